// Floating point: arithmetic, rounding, square roots, conversions and printing of
// Double and Float, including the special values.

var x = 0.5
var total = 0.0
for step in 1...10_000 {
    x = 3.9 * x * (1 - x)                     // the logistic map: chaotic, so every rounding counts
    total += x / Double(step)
}
print("logistic \(x) total \(total)")

let values: [Double] = [0, -0.0, 1.5, -2.5, 1e300, 5e-324, .infinity, -.infinity, .nan, 0.1 + 0.2, 1.0 / 3.0]
for value in values {
    print("\(value) rounded \(value.rounded()) down \(value.rounded(.down)) up \(value.rounded(.up)) toward zero \(value.rounded(.towardZero)) sqrt \(value.squareRoot())")
}
print("Float \(Float(1) / 3) \(Float.pi) \(Float(16_777_217)) \(Float.greatestFiniteMagnitude) \(Float.leastNonzeroMagnitude)")
print("Double.pi \(Double.pi) ulp of 1 \(Double.ulpOfOne)")
print("Int(3.99) \(Int(3.99)) Int(-3.99) \(Int(-3.99)) Int(exactly: 2.5) is nil \(Int(exactly: 2.5) == nil) Int(exactly: 4.0) \(Int(exactly: 4.0) ?? -1)")
print("fma \((0.1).addingProduct(0.2, 0.3)) remainder \((10.0).remainder(dividingBy: 3)) truncating \((10.0).truncatingRemainder(dividingBy: 3))")
print("min \(Double.minimum(.nan, 1)) max \(Double.maximum(-0.0, 0.0)) sign \((-3.0).sign == .minus)")

// Newton's method and a Taylor series, compared with the hardware square root.
func newtonRoot(_ value: Double) -> Double {
    var guess = value / 2
    for _ in 0..<60 { guess = (guess + value / guess) / 2 }
    return guess
}
var series = 0.0, term = 1.0
for k in 1..<30 { series += term; term /= Double(k) }
print("newton sqrt(2) \(newtonRoot(2)) hardware \((2.0).squareRoot()) e \(series)")
