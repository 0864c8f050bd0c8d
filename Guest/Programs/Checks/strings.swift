// Strings and Unicode: building, comparing (canonical equivalence), counting by
// characters, scalars and UTF-8, splitting, and sorting.

let words = ["zebra", "Äpfel", "apple", "naïve", "naïve", "café", "cafe\u{301}", "日本語", "🇫🇷", "👩‍👩‍👧"]
for word in words {
    print("\(word): \(word.count) characters, \(word.unicodeScalars.count) scalars, \(word.utf8.count) UTF-8 bytes")
}
print("café == cafe\u{301}: \("café" == "cafe\u{301}")")
print("sorted: \(words.sorted().joined(separator: " "))")

var sentence = ""
for index in 0..<50 { sentence += index % 7 == 0 ? "seven " : "n\(index) " }
let parts = sentence.split(separator: " ")
print("parts \(parts.count), first \(parts[0]), last \(parts[parts.count - 1])")
print("uppercased ascii \("hello, world".uppercased())")
print("reversed \(String("stressed".reversed()))")
print("contains n13 \(parts.contains("n13")) prefix \(sentence.hasPrefix("seven")) suffix \(sentence.hasSuffix("n49 "))")

var counts = [Character: Int]()
for character in "the quick brown fox jumps over the lazy dog" where character != " " {
    counts[character, default: 0] += 1
}
let letters = counts.keys.sorted()
print("letters \(letters.count): " + letters.map { "\($0)\(counts[$0] ?? 0)" }.joined())
let number = "12345"
var digitSum = 0
for scalar in number.unicodeScalars { digitSum += Int(scalar.value) - 48 }
print("digit sum \(digitSum), interpolated \(3) + \(4.5) = \(3 + 4.5)")
