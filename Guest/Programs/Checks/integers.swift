// Integer arithmetic at every width: wrapping, overflow-reporting, division, shifts,
// bit counting and formatting. The output must match the same program under qemu-riscv64.

func checksum(_ values: [UInt64]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for value in values { hash = (hash ^ value) &* 0x0000_0100_0000_01b3 }
    return hash
}

var results: [UInt64] = []
var a: Int64 = 0x1234_5678_9abc_def0, b: Int64 = -987_654_321
for round in 0..<1000 {
    a = a &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    b = b ^ (a >> 7) &+ Int64(round)
    let divisor = b | 1
    results.append(UInt64(bitPattern: a / divisor))
    results.append(UInt64(bitPattern: a % divisor))
    results.append(UInt64(truncatingIfNeeded: Int32(truncatingIfNeeded: a) &* Int32(truncatingIfNeeded: b)))
    results.append(UInt64(UInt16(truncatingIfNeeded: a) &+ UInt16(truncatingIfNeeded: b)))
    results.append(UInt64(bitPattern: a.multipliedFullWidth(by: b).high))
    results.append(UInt64(a.nonzeroBitCount + a.leadingZeroBitCount * 64 + a.trailingZeroBitCount * 4096))
    results.append(UInt64(bitPattern: a >> (b & 63)) ^ UInt64(bitPattern: a) << UInt64(b & 63))
}
print("integer checksum \(checksum(results))")

let (sum, overflow) = Int64.max.addingReportingOverflow(1)
print("Int64.max + 1 = \(sum), overflow \(overflow)")
print("Int8 range \(Int8.min)...\(Int8.max), UInt32.max \(UInt32.max)")
print("-7 / 2 = \(-7 / 2), -7 % 2 = \(-7 % 2), 7.quotientAndRemainder(dividingBy: -2) = \(7.quotientAndRemainder(dividingBy: -2).quotient), \(7.quotientAndRemainder(dividingBy: -2).remainder)")
print("hex \(String(0xDEAD_BEEF, radix: 16)) binary \(String(37, radix: 2)) base 36 \(String(Int64.max, radix: 36))")
var factorial: UInt64 = 1
for n in 1...20 { factorial *= UInt64(n) }
print("20! = \(factorial)")
print("gcd(1071, 462) = \(gcd(1071, 462))")

func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
