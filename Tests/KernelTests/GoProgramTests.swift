// Go programs, unmodified (issue 16): built with GOARCH=riscv64 CGO_ENABLED=0, they start
// (the `time` CSR, sched_getaffinity, mmap hints, sigaltstack, clone), run goroutines on
// several threads, and end with the output qemu-riscv64 gives, on any number of harts and
// under a preemptive era; runs repeat exactly; and the runtime's preemption by SIGURG
// stops a goroutine that never calls anything.

import Kernel
import Testing

@Suite("Kernel: Go programs", .serialized)
struct GoProgramTests {
    static func configure(_ configuration: inout KernelConfiguration) {
        configuration.memoryLimit = 256 << 20
        configuration.instructionLimit = 2_000_000_000
    }

    @Test("goroutines, channels, a mutex, Gosched and timers print what qemu-riscv64 prints", .needsGo, .needsQemu)
    func goroutinesMatchQemu() throws {
        let elf = try GoPrograms.build("Go/goroutines.go")
        let ours = try run(elf, configure: Self.configure)
        let reference = try GuestPrograms.runUnderQemu(elf)
        #expect(reference.status == 0)
        #expect(ours.ending == .exited(status: 0), "\(ours.text)")
        #expect(ours.text == String(decoding: reference.output, as: UTF8.self))
        #expect(ours.text.contains("total 7200 (expected 7200)\n"))
        // No call Go made at start-up or since went unanswered.
        #expect(ours.statistics.unknownSystemCalls.isEmpty, "\(ours.statistics.unknownSystemCalls)")
    }

    @Test("the same output on 4 harts under a preemptive era, with GOMAXPROCS and NumCPU the harts", .needsGo)
    func fourHartsPreemptive() throws {
        let elf = try GoPrograms.build("Go/goroutines.go")
        let single = try run(elf, configure: Self.configure)
        let four = try run(elf, arguments: ["procs"]) { configuration in
            Self.configure(&configuration)
            configuration.harts = 4
            configuration.scheduling = .roundRobin(sliceCycles: 100_000, tickCycles: 50_000)
        }
        #expect(four.ending == .exited(status: 0), "\(four.text)")
        #expect(four.text == single.text + "GOMAXPROCS 4, NumCPU 4\n")
        #expect(four.statistics.threads.count > 2)
    }

    @Test("a Go run is a function of program, configuration and seed", .needsGo)
    func repeatable() throws {
        let elf = try GoPrograms.build("Go/goroutines.go")
        let configure = { (configuration: inout KernelConfiguration) in
            Self.configure(&configuration)
            configuration.harts = 2
            configuration.seed = 7
            configuration.jitter = 30
        }
        let first = try run(elf, configure: configure)
        let second = try run(elf, configure: configure)
        #expect(first.ending == .exited(status: 0), "\(first.text)")
        #expect(first.text == second.text)
        #expect(first.statistics == second.statistics)
    }

    @Test("sysmon's SIGURG preempts a goroutine spinning without calls", .needsGo)
    func asynchronousPreemption() throws {
        let elf = try GoPrograms.build("Go/preemption.go")
        let result = try run(elf, configure: Self.configure)
        #expect(result.ending == .exited(status: 0), "\(result.text)")
        #expect(result.text == "the spinning goroutine was preempted\n")
    }
}
