// The kernel on a machine with caches and SMT: it schedules logical harts exactly as
// before (nothing in it knows about cores), programs give the same answers, time grows
// with the latencies, and a run stays a pure function of its inputs.

import Kernel
import Machine
import Testing

@Suite("Kernel: caches and SMT underneath")
struct MemoryHierarchyKernelTests {
    static let setups: [(String, MemoryPreset?, Int, Int, SchedulingPolicy)] = [
        ("core2, 2 harts, cooperative", .core2, 1, 2, .cooperative),
        ("p4ht, 2 SMT harts, round robin", .pentium4, 2, 2, .roundRobin(sliceCycles: 20_000, tickCycles: 10_000)),
        ("zen4, 4 harts on 2 SMT cores, tickless", .manyCore, 2, 4, .roundRobin(sliceCycles: 50_000, tickCycles: nil)),
        ("no caches, 4 harts on 2 SMT cores, round robin", nil, 2, 4, .roundRobin(sliceCycles: 20_000, tickCycles: 10_000)),
    ]

    @Test("threads join with the same sum on every hierarchy", .needsGuestToolchain, arguments: 0..<setups.count)
    func join(_ index: Int) throws {
        let (name, preset, threadsPerCore, harts, policy) = Self.setups[index]
        let elf = try GuestPrograms.build("Threads/join.swift")
        let configure: (inout KernelConfiguration) -> Void = {
            $0.memoryHierarchy = preset?.hierarchy
            $0.threadsPerCore = threadsPerCore
            $0.harts = harts
            $0.scheduling = policy
        }
        let result = try run(elf, configure: configure)
        #expect(result.text == "sum 80000200000 from 4 threads\n", "\(name)")
        #expect(result.ending == .exited(status: 0), "\(name)")
        #expect(result.statistics.threads.count == 5, "\(name)")
        let again = try run(elf, configure: configure)
        #expect(again.statistics == result.statistics, "\(name): the same inputs must give the same run")
    }

    @Test("the same program takes more cycles with caches than without", .needsGuestToolchain)
    func latenciesShowInTheKernelsTime() throws {
        let elf = try GuestPrograms.build("Threads/join.swift")
        let plain = try run(elf)
        let cached = try run(elf) { $0.memoryHierarchy = MemoryPreset.core2.hierarchy }
        #expect(plain.text == cached.text)
        #expect(cached.statistics.instructions == plain.statistics.instructions, "caches change time, not the work")
        // The summing loops run in registers; the kernel's stacks, the runtime and the
        // threads' start-up touch memory, and each of those accesses costs more.
        #expect(cached.statistics.cycles > plain.statistics.cycles)
    }
}
