// Signals (issue 16): handlers on riscv64's signal frame, masks, the alternate stack,
// fault handlers, default actions, EINTR and SA_RESTART, signal waits, stop and continue —
// against qemu-riscv64 where the program is one process, and by their output otherwise.

@testable import Kernel
import Machine
import MachineTools
import Testing
import Trace

@Suite("Signals")
struct SignalTests {
    @Test("handlers, siginfo, masks, sigaltstack, fault handlers, SA_RESETHAND/SA_NODEFER, sigsuspend, ppoll's mask, sigtimedwait, sigqueue, real-time queues and a PC-moving handler print what Linux prints",
          .needsGlibcToolchain, .needsQemu)
    func semanticsMatchQemu() throws {
        let elf = try GlibcPrograms.build("Signals/signal-semantics.c")
        let ours = try run(elf, configure: { $0.memoryLimit = 64 << 20 })
        let reference = try GuestPrograms.runUnderQemu(elf)
        let lines = String(decoding: ours.output, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("interleave:") }
        let expected = String(decoding: reference.output, as: UTF8.self).split(separator: "\n")
        for (index, (line, want)) in zip(lines, expected).enumerated() where line != want {
            Issue.record("line \(index + 1): ours \"\(line)\", Linux \"\(want)\"")
        }
        #expect(lines.count == expected.count)
        #expect(reference.status == 0 && ours.ending == .exited(status: 0), "\(ours.ending)")
        #expect(lines.last == "pc rewrite: the handler's new pc ran")
    }

    @Test("default actions end the process with 128 + the signal as on Linux; a handler on the alternate stack catches a stack overflow",
          .needsGlibcToolchain, .needsQemu,
          arguments: ["term", "usr1", "kill", "abort", "assert", "segv-blocked", "segv-ignored", "overflow", "overflow-altstack", "unblock"])
    func endingsMatchQemu(_ mode: String) throws {
        let elf = try GlibcPrograms.build("Signals/signal-endings.c")
        let ours = try run(elf, arguments: [mode], configure: { $0.memoryLimit = 64 << 20 })
        let reference = try GuestPrograms.runUnderQemu(elf, arguments: [mode])
        #expect(ours.ending.status == reference.status, "\(mode): \(ours.ending)")
        let text = ours.text.split(separator: "\n").filter { !$0.hasPrefix("interleave:") && !$0.contains("Assertion") }
        #expect(text.joined(separator: "\n") + "\n" == String(decoding: reference.output, as: UTF8.self), "\(mode)")
        switch mode {
        case "term": #expect(ours.ending.description.contains("ended by SIGTERM: sent by the process itself with kill"))
        case "abort", "assert": #expect(ours.ending.description.contains("ended by SIGABRT: the program called abort()"))
        case "segv-blocked": #expect(ours.ending.description.contains("handler did not run: the thread blocks SIGSEGV"))
        case "overflow": #expect(ours.ending.description.contains("needs sigaltstack and SA_ONSTACK"))
        default: break
        }
    }

    @Test("a real-time signal's default ends the process with 128 + its number (qemu maps it to another host signal)",
          .needsGlibcToolchain)
    func realTimeSignalEnding() throws {
        let elf = try GlibcPrograms.build("Signals/signal-endings.c")
        let ours = try run(elf, arguments: ["realtime"], configure: { $0.memoryLimit = 64 << 20 })
        #expect(ours.ending.status == 128 + 35)
        #expect(ours.ending.description.contains("ended by real-time signal 35"))
    }

    static let threadsOutput = """
        read without SA_RESTART: -1 errno 4, handled 1
        read with SA_RESTART: 1, handled 2
        nanosleep: -1 errno 4, time left between 0.9 and 1 s 1, handled 3
        futex wait with SA_RESTART: 0, word 1, handled 4
        futex wait without: -1 errno 4, handled 5
        sigwaitinfo: 12, code 0
        sigsuspend: -1 errno 4, handled 6
        kill while the main thread blocks it: taken by the worker 1
        spinning thread interrupted by SIGURG
        child: SIGCHLD codes 5 6, wait status 15

        """

    @Test("between threads and processes: EINTR and SA_RESTART for read, nanosleep and futex, sigwaitinfo and sigsuspend woken, a process signal to the thread that takes it, a spinning thread interrupted from another hart, SIGSTOP/SIGCONT with SIGCHLD",
          .needsGlibcToolchain, arguments: [(2, "coop"), (4, "coop"), (1, "win95"), (2, "win95")])
    func betweenThreads(harts: Int, era: String) throws {
        let elf = try GlibcPrograms.build("Signals/signal-threads.c")
        let result = try run(elf, configure: { configuration in
            configuration.memoryLimit = 64 << 20
            configuration.harts = harts
            if era == "win95" { configuration.scheduling = Era.win95.policy(clockFrequency: configuration.clockFrequency) }
        })
        let text = result.text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("interleave:") }.joined(separator: "\n")
        #expect(text == Self.threadsOutput, "\(harts) harts, \(era)")
        #expect(result.ending == .exited(status: 0), "\(result.ending)")
    }

    @Test("the trace shows each handler starting and the waits for signals and the stop", .needsGlibcToolchain)
    func traced() throws {
        let elf = try GlibcPrograms.build("Signals/signal-threads.c")
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configuration.harts = 2
        let recorder = TraceRecorder(clockFrequency: configuration.clockFrequency, harts: 2)
        let streams = CapturedStreams()
        let kernel = try Kernel(executable: elf, name: "signal-threads", arguments: [], configuration: configuration,
                                io: streams.io, programs: ["signal-threads": elf], trace: recorder)
        #expect(kernel.run() == .exited(status: 0))
        var handled: [Int32] = [], stops: [ThreadStopReason] = []
        for event in recorder.log.events {
            switch event.kind {
            case .signalHandled(_, let signal, _): handled.append(signal)
            case .threadStops(_, let reason, _) where reason == .stopped || reason == .waitingForSignal: stops.append(reason)
            default: break
            }
        }
        #expect(handled.filter { $0 == SignalState.SIGUSR1 }.count == 7)
        #expect(handled.contains(SignalState.SIGURG) && handled.contains(SignalState.SIGCHLD))
        #expect(stops.contains(.stopped) && stops.contains(.waitingForSignal))
        #expect(ChromeTraceWriter.render(recorder.log).contains("\"cat\":\"signal\""))
    }

    // MARK: Hostile programs

    @Test("rt_sigreturn with no frame at sp ends the process with SIGSEGV and a report")
    func signalReturnWithoutFrame() throws {
        let elf = UserProgram.elf { asm in
            asm.li(.sp, 0x10)
            UserProgram.call(&asm, 139)
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf)
        #expect(result.ending.status == 139)
        #expect(result.ending.description.contains("rt_sigreturn found no signal frame at sp 0x10"))
    }

    @Test("an alternate stack at the top of the address space (its end wraps) cannot take a frame: SIGSEGV, not a crash")
    func wrappingAlternateStack() throws {
        let data = UserProgram.data
        let elf = UserProgram.elf { asm in
            asm.li(.t0, data)
            asm.li(.t1, -4096)
            asm.sd(.t1, 0, .t0)                          // ss_sp: 0xffff_ffff_ffff_f000
            asm.sd(.zero, 8, .t0)                        // ss_flags 0
            asm.li(.t1, 0x10000)
            asm.sd(.t1, 16, .t0)                         // ss_size 64 KiB: the end wraps
            UserProgram.call(&asm, 132, [data, 0])
            asm.li(.t0, data + 32)
            asm.li(.t1, Int64(UserProgram.origin))
            asm.sd(.t1, 0, .t0)                          // handler: any address
            asm.li(.t1, 0x0800_0000)
            asm.sd(.t1, 8, .t0)                          // SA_ONSTACK
            asm.sd(.zero, 16, .t0)
            UserProgram.call(&asm, 134, [10, data + 32, 0, 8])
            UserProgram.call(&asm, 130, [1, 10])         // tkill(1, SIGUSR1)
            UserProgram.call(&asm, 93, [0])
        }
        let result = try run(elf)
        #expect(result.ending.status == 139, "\(result.ending)")
        #expect(result.ending.description.contains("handler could not run"))
    }

    @Test("a blocked real-time signal queues at most 1024 instances; past that tkill answers EAGAIN")
    func realTimeQueueIsBounded() throws {
        let data = UserProgram.data
        let elf = UserProgram.elf(data: littleEndianBytes(UInt64(1) << 33)) { asm in
            UserProgram.call(&asm, 135, [0, data, 0, 8])   // block signal 34
            asm.li(.s0, 0)
            asm.li(.s1, 3000)
            asm.label("loop")
            UserProgram.call(&asm, 130, [1, 34])
            asm.bnez(.a0, "full")
            asm.addi(.s0, .s0, 1)
            asm.label("full")
            asm.addi(.s1, .s1, -1)
            asm.bnez(.s1, "loop")
            asm.addi(.a0, .s0, -1024)
            UserProgram.exitWithA0(&asm)
        }
        let result = try run(elf)
        #expect(result.ending == .exited(status: 0), "\(result.ending)")
    }

    @Test("kill, tkill and tgkill with hostile ids and signals answer EINVAL or ESRCH")
    func hostileTargets() throws {
        let cases: [(Int64, [Int64], Int32)] = [
            (129, [Int64(Int32.min), 10], 3), (129, [-1, 65], 22), (129, [0x7FFF_FFFF, 10], 3), (129, [1, -1], 22),
            (130, [0, 10], 22), (130, [Int64(Int32.max), 10], 3), (131, [1, 1, 99], 22), (131, [-5, 1, 10], 22),
            (131, [2, 1, 10], 3),
        ]
        for (number, arguments, errno) in cases {
            let elf = UserProgram.elf { asm in
                UserProgram.call(&asm, number, arguments)
                asm.sub(.a0, .zero, .a0)
                UserProgram.exitWithA0(&asm)
            }
            let result = try run(elf)
            #expect(result.ending == .exited(status: errno), "\(number) \(arguments): \(result.ending)")
        }
    }
}
