// Benchmark: the sieve of Eratosthenes over 2 million numbers, 8 times — array
// indexing, bounds checks and stores.

var total = 0
for round in 0..<8 {
    let limit = 2_000_000 + round
    var composite = [Bool](repeating: false, count: limit + 1)
    var count = 0
    var candidate = 2
    while candidate <= limit {
        if !composite[candidate] {
            count += 1
            var multiple = candidate * candidate
            while multiple <= limit { composite[multiple] = true; multiple += candidate }
        }
        candidate += 1
    }
    total += count
}
print("primes counted \(total)")
