// A process: one program in its own address space, with the kernel's bookkeeping for
// it — its identity, its heap break, its output so far, how it ended. This first kernel
// runs one process with one thread on one hart; threads and more processes come next.

import Machine

final class Process {
    let pid: Int32
    /// The program's name (its file name without the folder), for reports.
    let name: String
    let image: ELFImage
    let addressSpace: AddressSpace
    /// The heap: `brk` moves `breakEnd` between `breakStart` and the next region above.
    let breakStart: UInt64
    var breakEnd: UInt64

    init(pid: Int32, name: String, image: ELFImage, addressSpace: AddressSpace, breakStart: UInt64) {
        self.pid = pid
        self.name = name
        self.image = image
        self.addressSpace = addressSpace
        self.breakStart = breakStart
        self.breakEnd = breakStart
    }

    /// The main thread's id: Linux gives a process's first thread the process's id.
    var mainThreadID: Int32 { pid }

    /// `name+0x1c` for an address in the program, or nil.
    func symbolize(_ address: UInt64) -> String? {
        guard let (symbol, offset) = image.nearestSymbol(atOrBefore: address),
              symbol.size == 0 || offset < symbol.size || offset < 0x1000 else { return nil }
        let name = SymbolNames.demangle(symbol.name)
        return offset == 0 ? name : "\(name)+0x\(String(offset, radix: 16))"
    }
}

/// Something the kernel refuses to start: the message says what and why.
public struct KernelError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
