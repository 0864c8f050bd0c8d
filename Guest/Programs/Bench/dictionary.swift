// Benchmark: a Dictionary and a Set under load — hashing, probing, growth, removal.
// The checksum is independent of hash order (hashing is seeded per run).

var counts: [Int: Int] = [:]
var seen = Set<Int>()
var state: UInt64 = 42
for _ in 0..<300_000 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let key = Int(state >> 46)                       // about 260,000 distinct keys
    counts[key, default: 0] += 1
    if key & 3 == 0 { seen.insert(key) } else { seen.remove(key ^ 1) }
}
var checksum = 0
for (key, count) in counts { checksum = checksum &+ key &* count }
print("keys \(counts.count) seen \(seen.count) checksum \(checksum)")
