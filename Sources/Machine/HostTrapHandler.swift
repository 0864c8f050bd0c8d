// The hook through which a kernel running on the host (DESIGN decision 2) takes every
// trap from U-mode. The harts hold the handler unretained, so a system call reaches the
// kernel with a plain call: no closure context to copy, no retain and release per trap.

/// Host code that takes the traps of U-mode in place of the guest's own vectors.
public protocol HostTrapHandler: AnyObject {
    func handleTrap(_ hart: Hart, _ trap: TrapRecord)
}

/// A closure as a handler (`Machine.attachHostTrapHandler(_:)`); the machine keeps it.
final class ClosureTrapHandler: HostTrapHandler {
    let body: (Hart, TrapRecord) -> Void

    init(_ body: @escaping (Hart, TrapRecord) -> Void) { self.body = body }

    func handleTrap(_ hart: Hart, _ trap: TrapRecord) { body(hart, trap) }
}
