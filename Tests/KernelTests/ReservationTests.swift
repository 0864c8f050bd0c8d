// LR/SC across the kernel (issue 12 §2): a reservation taken before a trap into the host
// kernel — a system call, a switch to another thread on the same hart — is gone after
// it, so a thread's `sc.w` cannot succeed over a store another thread made meanwhile.

import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: LR/SC reservations")
struct KernelReservationTests {
    /// Thread A reserves a word, yields; thread B, on the same hart, stores 7 there and
    /// exits; A's `sc.w` of 5 must fail. Exit status: 100 × sc's result + the word.
    static let program = UserProgram.elf { asm in
        asm.j("main")
        asm.label("b")                                    // thread B, at origin + 4
        asm.li(.t0, UserProgram.data)
        asm.li(.t1, 7)
        asm.sw(.t1, 0, .t0)
        UserProgram.call(&asm, 93, [0])                   // exit: this thread only
        asm.label("main")
        UserProgram.call(&asm, 0x1000 /* thread_spawn */, [Int64(UserProgram.origin + 4), 0, 0, 0])
        asm.li(.s0, UserProgram.data)
        asm.lrW(.t2, .s0)
        UserProgram.call(&asm, 124)                       // sched_yield: B runs now
        asm.li(.t1, 5)
        asm.scW(.t3, .t1, .s0)
        asm.lw(.t4, 0, .s0)
        asm.li(.t5, 100)
        asm.mul(.a0, .t3, .t5)
        asm.add(.a0, .a0, .t4)
        UserProgram.call(&asm, 94, [])                    // exit_group(a0) with a0 as computed
    }

    @Test("a thread switch on the same hart breaks the reservation: B's store survives, A's sc fails")
    func switchBreaksReservation() throws {
        let result = try run(Self.program) { $0.scheduling = .cooperative }
        #expect(result.ending == .exited(status: 107), "\(result.ending) \(result.text)")
    }

    @Test("a system call breaks the caller's reservation")
    func systemCallBreaksReservation() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.s0, UserProgram.data)
            asm.li(.t1, 9)
            asm.sw(.t1, 0, .s0)
            asm.lrW(.t2, .s0)
            UserProgram.call(&asm, 172)                   // getpid
            asm.li(.t1, 5)
            asm.scW(.t3, .t1, .s0)
            asm.lw(.t4, 0, .s0)
            asm.li(.t5, 100)
            asm.mul(.a0, .t3, .t5)
            asm.add(.a0, .a0, .t4)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 109), "\(result.ending)")
    }

    @Test("without a trap between them, lr.w and sc.w still pair")
    func reservationHoldsWithoutTrap() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.s0, UserProgram.data)
            asm.lrW(.t2, .s0)
            asm.li(.t1, 5)
            asm.scW(.t3, .t1, .s0)
            asm.lw(.t4, 0, .s0)
            asm.li(.t5, 100)
            asm.mul(.a0, .t3, .t5)
            asm.add(.a0, .a0, .t4)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 5), "\(result.ending)")
    }
}
