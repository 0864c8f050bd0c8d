// Benchmark: sorting 300,000 integers with a closure, then strings built from them —
// comparisons, swaps, allocation and String interpolation.

var state: UInt64 = 7
var numbers: [Int] = []
for _ in 0..<300_000 {
    state = state &* 2_862_933_555_777_941_757 &+ 3_037_000_493
    numbers.append(Int(state >> 33))
}
numbers.sort { $0 > $1 }
var words: [String] = []
for index in stride(from: 0, to: numbers.count, by: 10) { words.append("w\(numbers[index] % 100_000)") }
words.sort()
var checksum = 0
for (index, number) in numbers.enumerated() where index % 1000 == 0 { checksum = checksum &* 31 &+ number }
print("largest \(numbers[0]) smallest \(numbers[numbers.count - 1]) words \(words.count) first \(words[0]) last \(words[words.count - 1]) checksum \(checksum)")
