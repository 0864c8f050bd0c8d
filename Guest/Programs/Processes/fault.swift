// Broken on purpose: stores through a null pointer. Run beside other processes, it
// ends alone (segmentation fault, wait status 11) while the others run on.

import Sync

@inline(never)
func store(_ value: Int, to address: Int) {
    guard let pointer = UnsafeMutablePointer<Int>(bitPattern: address) else { return }
    pointer.pointee = value
}
print("process \(System.processID) stores through a null pointer")
store(42, to: 16)
print("never printed")
