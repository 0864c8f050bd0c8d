// Broken on purpose: stores through a pointer into the never-mapped first page (a null
// pointer plus an offset, as a field of a nil object would be), three calls below main.
// The kernel reports a segmentation fault with the PC, the store instruction, the address,
// the function and its callers in order — store, fillRecord, load, main (status 139).

@inline(never)
func store(_ value: Int, to address: Int) {
    guard let pointer = UnsafeMutablePointer<Int>(bitPattern: address) else { return }
    pointer.pointee = value
}

@inline(never)
func fillRecord(_ value: Int) {
    store(value, to: 16)
    print("stored")          // work after the call, so it is not a tail call
}

@inline(never)
func load(_ count: Int) {
    fillRecord(count &* 2)
    print("loaded")
}

print("storing through a null pointer")
load(21)
