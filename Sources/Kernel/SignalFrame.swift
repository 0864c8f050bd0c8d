// Linux riscv64's signal frame (arch/riscv/kernel/signal.c), built on the thread's stack
// (or its alternate stack, SA_ONSTACK) when a handler runs, and read back by rt_sigreturn:
//   struct rt_sigframe { siginfo_t info (128); struct ucontext uc (960); }   1088 bytes
//   ucontext: uc_flags 0, uc_link 8, uc_stack 16 {ss_sp, ss_flags, ss_size}, uc_sigmask 40,
//             uc_mcontext 176: sc_regs {pc, x1..x31} 256 bytes, then the f registers
//             (f0..f31, fcsr) in a 528-byte union whose last words (reserved, the
//             extension header) stay 0: no vector state follows.
// The handler starts with a0 = signal, a1 = &info, a2 = &uc, sp = the frame, and ra at
// the trampoline page's `li a7, 139; ecall`, so returning from it calls rt_sigreturn —
// Linux points ra at its vDSO's copy of the same two instructions. Go rewrites the
// frame's pc to preempt a goroutine; rt_sigreturn takes whatever the frame holds.

import Machine

enum SignalFrame {
    static let size: UInt64 = 1088
    static let contextOffset = 128
    /// Offsets inside the ucontext.
    static let stackOffset = 16, maskOffset = 40, registersOffset = 176
    static let floatsOffset = registersOffset + 256, controlOffset = floatsOffset + 256
    static let reservedOffset = floatsOffset + 516, extensionOffset = floatsOffset + 520
    static let contextSize = 960
}

extension Kernel {
    /// Builds the frame for `info` on the running thread's stack and points the hart at
    /// the handler; false when the frame cannot be written (Linux then forces SIGSEGV).
    func pushSignalFrame(_ info: SignalInfo, _ action: SignalAction, mask: UInt64, thread: Thread, hart: Hart) -> Bool {
        let sp = hart.register(2), stack = thread.alternateStack
        // Already on the alternate stack and no room left on it: a bogus address, as Linux.
        if stack.contains(sp), !stack.contains(sp &- SignalFrame.size) { return false }
        var top = sp
        if action.flags & SignalAction.onStack != 0, stack.isEnabled, !stack.contains(sp) { top = stack.base &+ stack.size }
        guard top >= SignalFrame.size + AddressSpace.pageSize else { return false }
        let frame = (top - SignalFrame.size) & ~15
        var integers = [UInt64](repeating: 0, count: 32), floats = [UInt64](repeating: 0, count: 32)
        hart.saveRegisters(integers: &integers, floats: &floats)
        var bytes = info.bytes
        bytes.reserveCapacity(Int(SignalFrame.size))
        var context = [UInt8](repeating: 0, count: SignalFrame.contextSize)
        func put(_ value: UInt64, at offset: Int, count: Int = 8) {
            for index in 0..<count { context[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
        }
        put(stack.base, at: SignalFrame.stackOffset)
        put(UInt64(stack.reportedFlags(sp: sp)), at: SignalFrame.stackOffset + 8, count: 4)
        put(stack.size, at: SignalFrame.stackOffset + 16)
        put(mask, at: SignalFrame.maskOffset)
        put(hart.pc, at: SignalFrame.registersOffset)
        for register in 1..<32 { put(integers[register], at: SignalFrame.registersOffset + 8 * register) }
        for register in 0..<32 { put(floats[register], at: SignalFrame.floatsOffset + 8 * register) }
        put(hart.floatingPointControl, at: SignalFrame.controlOffset, count: 4)
        bytes += context
        guard case .success = thread.process.addressSpace.copyOut(bytes, to: frame) else { return false }
        if stack.flags & AlternateSignalStack.autoDisarm != 0 { thread.alternateStack = AlternateSignalStack() }
        hart.setRegister(10, UInt64(info.signal))
        hart.setRegister(11, frame)
        hart.setRegister(12, frame &+ UInt64(SignalFrame.contextOffset))
        hart.setRegister(2, frame)
        hart.setRegister(1, UserLayout.signalReturn)
        hart.setPC(action.handler)
        return true
    }

    /// rt_sigreturn(): the frame at sp gives back the registers, the PC, the mask and the
    /// alternate stack of the interrupted code. A frame that cannot be read, or whose
    /// reserved words are not 0, ends the process with SIGSEGV, as on Linux.
    func signalReturn(_ arguments: SystemCallArguments, hart: Hart, thread: Thread) -> SystemCallResult {
        let frame = hart.register(2)
        let process = thread.process
        guard case .success(let context) = process.addressSpace.copyIn(from: frame &+ UInt64(SignalFrame.contextOffset),
                                                                       count: SignalFrame.contextSize),
              littleEndianWord(context, at: SignalFrame.reservedOffset) == 0 else {
            terminate(process, by: SignalInfo(signal: SignalState.SIGSEGV, code: SignalInfo.SI_KERNEL), at: thread,
                      why: "rt_sigreturn found no signal frame at sp 0x\(String(frame, radix: 16)) (a handler that moved its stack, or rt_sigreturn called outside a handler)")
            return .noReturn
        }
        var integers = [UInt64](repeating: 0, count: 32), floats = [UInt64](repeating: 0, count: 32)
        for register in 1..<32 { integers[register] = littleEndianWord(context, at: SignalFrame.registersOffset + 8 * register) }
        for register in 0..<32 { floats[register] = littleEndianWord(context, at: SignalFrame.floatsOffset + 8 * register) }
        hart.restoreRegisters(integers: integers, floats: floats)
        hart.floatingPointControl = littleEndianWord(context, at: SignalFrame.controlOffset) & 0xFF
        hart.setPC(littleEndianWord(context, at: SignalFrame.registersOffset))
        thread.signalMask = littleEndianWord(context, at: SignalFrame.maskOffset) & ~SignalState.unblockable
        thread.interruptedCall = nil
        thread.savedSignalMask = nil
        // The alternate stack as the frame says (errors other than EFAULT are ignored, as Linux).
        let base = littleEndianWord(context, at: SignalFrame.stackOffset)
        let flags = UInt32(truncatingIfNeeded: littleEndianWord(context, at: SignalFrame.stackOffset + 8))
        let size = littleEndianWord(context, at: SignalFrame.stackOffset + 16)
        _ = setAlternateStack(thread, base: base, flags: flags, size: size, sp: integers[2])
        return .noReturn
    }

    /// sigaltstack's change: EPERM while running on the current one, EINVAL for unknown
    /// flags, ENOMEM below MINSIGSTKSZ; SS_DISABLE turns it off.
    func setAlternateStack(_ thread: Thread, base: UInt64, flags: UInt32, size: UInt64, sp: UInt64) -> Errno? {
        if thread.alternateStack.contains(sp) { return .EPERM }
        let mode = flags & ~AlternateSignalStack.autoDisarm
        guard mode == 0 || mode == AlternateSignalStack.disable || mode == AlternateSignalStack.onStack else { return .EINVAL }
        if mode == AlternateSignalStack.disable {
            thread.alternateStack = AlternateSignalStack()
            return nil
        }
        guard size >= AlternateSignalStack.minimumSize else { return .ENOMEM }
        thread.alternateStack = AlternateSignalStack(base: base, size: size, flags: flags & AlternateSignalStack.autoDisarm)
        return nil
    }
}
