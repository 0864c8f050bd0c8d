// Arrays, dictionaries and sets: growth, sorting, filtering, mapping, copy-on-write,
// and hashing. Output never depends on hash order (keys are sorted first), so it is the
// same on any seed and under qemu-riscv64.

var numbers: [Int] = []
for index in 0..<5000 { numbers.append((index * 7919) % 10007) }
numbers.sort()
print("sorted first \(numbers[0]) last \(numbers[numbers.count - 1]) median \(numbers[numbers.count / 2])")
let evens = numbers.filter { $0 % 2 == 0 }
let squares = evens.prefix(10).map { $0 * $0 }
print("evens \(evens.count), squares " + squares.map { "\($0)" }.joined(separator: ","))
print("sum \(numbers.reduce(0, +)) max \(numbers.max() ?? -1) contains 5003 \(numbers.contains(5003))")

var copy = numbers
copy[0] = -1
print("copy-on-write: original \(numbers[0]) copy \(copy[0])")

var table: [String: [Int]] = [:]
for number in numbers.prefix(2000) {
    table["bucket\(number % 17)", default: []].append(number)
}
for key in table.keys.sorted() {
    let bucket = table[key] ?? []
    print("\(key): \(bucket.count) items, sum \(bucket.reduce(0, +))")
}
table.removeValue(forKey: "bucket3")
print("after removal \(table.count) buckets, has bucket3 \(table["bucket3"] != nil)")

let primes = Set(sieve(upTo: 2000))
let odds = Set(stride(from: 1, to: 2000, by: 2))
print("primes \(primes.count), odd primes \(primes.intersection(odds).count), even primes " + primes.subtracting(odds).sorted().map { "\($0)" }.joined(separator: ","))
print("union \(primes.union(odds).count) disjoint \(primes.isDisjoint(with: [4, 6, 8]))")

var grid = [[Int]](repeating: [Int](repeating: 0, count: 20), count: 20)
for row in 0..<20 { for column in 0..<20 { grid[row][column] = row * column } }
print("grid diagonal \((0..<20).map { grid[$0][$0] }.reduce(0, +))")

func sieve(upTo limit: Int) -> [Int] {
    var composite = [Bool](repeating: false, count: limit + 1)
    var result: [Int] = []
    for candidate in 2...limit where !composite[candidate] {
        result.append(candidate)
        var multiple = candidate * candidate
        while multiple <= limit { composite[multiple] = true; multiple += candidate }
    }
    return result
}
