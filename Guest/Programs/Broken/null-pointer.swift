// Broken on purpose: stores through a pointer into the never-mapped first page (a null
// pointer plus an offset, as a field of a nil object would be). The kernel reports a
// segmentation fault with the PC, the store instruction, the address and the function
// (status 139).

@inline(never)
func store(_ value: Int, to address: Int) {
    guard let pointer = UnsafeMutablePointer<Int>(bitPattern: address) else { return }
    pointer.pointee = value
}
print("storing through a null pointer")
store(42, to: 16)
