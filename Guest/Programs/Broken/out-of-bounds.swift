// Broken on purpose: reads past the end of an array. Swift's bounds check stops the
// program; the kernel's report names the function and explains the `unimp` trap.

@inline(never)
func element(_ values: [Int], at index: Int) -> Int { values[index] }

let values = [1, 2, 3]
print("about to read index 3 of \(values.count) elements")
print("value \(element(values, at: values.count))")
