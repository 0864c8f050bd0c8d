// The kernel's tables do not grow with history (issue 12 §3): ended threads leave the
// live tables, an unjoined thread keeps only its status, statistics still list every
// thread, the region map agrees with a plain sorted list, and mappings stop at Linux's
// vm.max_map_count with ENOMEM. Structure is checked, never host time.

@testable import Kernel
import Machine
import MachineTools
import Testing

@Suite("Kernel: costs independent of history")
struct HistoryCostTests {
    static let spawn: Int64 = 0x1000, join: Int64 = 0x1001, mmap: Int64 = 222, munmap: Int64 = 215
    /// The child threads' code sits right after the first jump: `li a0, 7; ret`.
    static let childEntry = Int64(UserProgram.origin + 4)

    /// A program that starts with `j main`, then the child (returns 7), then `main`.
    static func program(_ main: (inout Assembler) -> Void) -> [UInt8] {
        UserProgram.elf { asm in
            asm.j("main")
            asm.li(.a0, 7)
            asm.ret()
            asm.label("main")
            main(&asm)
        }
    }

    static func kernel(_ elf: [UInt8], configure: (inout KernelConfiguration) -> Void = { _ in }) throws -> Kernel {
        var configuration = KernelConfiguration()
        configuration.memoryLimit = 64 << 20
        configure(&configuration)
        return try Kernel(executable: elf, name: "test", arguments: [], configuration: configuration,
                          io: KernelIO(writeOutput: { _ in }, writeError: { _ in }))
    }

    @Test("20,000 threads spawned and joined one after another: the last join works, a second join of it is ESRCH, statistics list all")
    func manySpawnsAndJoins() throws {
        let elf = Self.program { asm in
            asm.li(.s0, 20_000)
            asm.label("loop")
            UserProgram.call(&asm, Self.spawn, [Self.childEntry, 0, 16 << 10, 0])
            asm.blt(.a0, .zero, "fail")
            asm.mv(.s1, .a0)
            asm.li(.a7, Self.join)
            asm.ecall()
            asm.li(.t0, 7)
            asm.bne(.a0, .t0, "fail")
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "loop")
            asm.mv(.a0, .s1)                 // the last thread, joined already
            asm.li(.a7, Self.join)
            asm.ecall()
            asm.li(.t0, -3)                  // ESRCH
            asm.bne(.a0, .t0, "fail")
            UserProgram.call(&asm, 93, [0])
            asm.label("fail")
            UserProgram.call(&asm, 93, [1])
        }
        let kernel = try Self.kernel(elf)
        let ending = kernel.run()
        #expect(ending == .exited(status: 0))
        let statistics = kernel.statistics
        #expect(statistics.threads.count == 20_001)
        #expect(statistics.threads.map(\.tid) == Array(1...20_001))
        #expect(statistics.threads.dropFirst().allSatisfy { $0.metrics.stackBytes == 16 << 10 })
        #expect(statistics.processes.first?.stackBytes == KernelConfiguration().stackLimit + 20_000 * (16 << 10))
        #expect(kernel.threads.isEmpty)
        #expect(kernel.firstProcess.exitStatuses.isEmpty)
        #expect(kernel.liveProcesses.isEmpty)
    }

    @Test("exited threads leave the live tables; an unjoined one keeps only its status, until joined")
    func unjoinedThreadsKeepOnlyAStatus() throws {
        // Spawn 100 threads, yield (they run and exit), spin, then join them all.
        let elf = Self.program { asm in
            asm.li(.s0, 100)
            asm.label("spawn")
            UserProgram.call(&asm, Self.spawn, [Self.childEntry, 0, 16 << 10, 0])
            asm.blt(.a0, .zero, "fail")
            asm.addi(.s0, .s0, -1)
            asm.bnez(.s0, "spawn")
            UserProgram.call(&asm, 124)      // sched_yield: the 100 run and exit
            asm.li(.t0, 2_000_000)
            asm.label("spin")
            asm.addi(.t0, .t0, -1)
            asm.bnez(.t0, "spin")
            asm.li(.s0, 2)                   // tids 2 ... 101
            asm.li(.s2, 0)
            asm.label("join")
            asm.mv(.a0, .s0)
            asm.li(.a7, Self.join)
            asm.ecall()
            asm.add(.s2, .s2, .a0)
            asm.addi(.s0, .s0, 1)
            asm.li(.t0, 102)
            asm.bne(.s0, .t0, "join")
            asm.li(.t0, 700)
            asm.bne(.s2, .t0, "fail")
            UserProgram.call(&asm, 93, [0])
            asm.label("fail")
            UserProgram.call(&asm, 93, [1])
        }
        let kernel = try Self.kernel(elf)
        #expect(kernel.run(slice: 500_000) == nil)   // in the spin: every child has exited
        let process = kernel.firstProcess
        #expect(kernel.threads.count == 1)
        #expect(process.liveThreads.count == 1)
        #expect(process.exitStatuses.count == 100)
        #expect(process.exitStatuses.values.allSatisfy { $0 == 7 })
        #expect(process.liveThreadStackBytes == 0)
        #expect(kernel.statistics.threads.count == 101)
        #expect(kernel.scheduler.hasReady == false)
        #expect(kernel.run() == .exited(status: 0))
        #expect(process.exitStatuses.isEmpty)
    }

    @Test("mappings stop at vm.max_map_count: the 65,531st region is ENOMEM, and so is a munmap that would split one")
    func mappingCap() throws {
        // Map three pages (s1), then one page at a time just below the last (s2) until
        // mmap fails; exit with the error, plus 0x80 if munmap of the middle page then
        // also fails with ENOMEM.
        let elf = Self.program { asm in
            UserProgram.call(&asm, Self.mmap, [0, 3 * 4096, 3, 0x22, -1, 0])
            asm.blt(.a0, .zero, "fail")
            asm.mv(.s1, .a0)
            asm.mv(.s2, .a0)
            asm.label("map")
            asm.li(.t0, 4096)
            asm.sub(.a0, .s2, .t0)           // the hint: just below the last one
            asm.li(.a1, 4096)
            asm.li(.a2, 3)
            asm.li(.a3, 0x22)
            asm.li(.a4, -1)
            asm.li(.a5, 0)
            asm.li(.a7, Self.mmap)
            asm.ecall()
            asm.blt(.a0, .zero, "full")
            asm.mv(.s2, .a0)
            asm.j("map")
            asm.label("full")
            asm.sub(.s3, .zero, .a0)         // the errno
            asm.li(.t0, 4096)
            asm.add(.a0, .s1, .t0)
            asm.li(.a1, 4096)
            asm.li(.a7, Self.munmap)
            asm.ecall()
            asm.li(.t0, -12)
            asm.bne(.a0, .t0, "done")
            asm.addi(.s3, .s3, 0x80)
            asm.label("done")
            asm.mv(.a0, .s3)
            asm.li(.a7, 93)
            asm.ecall()
            asm.label("fail")
            UserProgram.call(&asm, 93, [1])
        }
        let kernel = try Self.kernel(elf)
        #expect(kernel.run() == .exited(status: 12 | 0x80))
        #expect(kernel.firstProcess.addressSpace.regionMap.count == 0)   // released at exit
        #expect(AddressSpace.maximumRegionCount == 65_530)
    }

    @Test("the region map agrees with a plain sorted list through random maps, unmaps and protects", arguments: [1, 2, 3])
    func regionMapMatchesAList(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var map = RegionMap()
        var model: [MemoryRegion] = []
        let page: UInt64 = 4096, pages: UInt64 = 3000
        func free(_ start: UInt64, _ end: UInt64) -> Bool { !model.contains { $0.start < end && start < $0.end } }
        for step in 0..<4000 {
            let start = (random.next() % pages) * page
            let end = start + (1 + random.next() % (step % 7 == 0 ? 200 : 4)) * page
            switch random.next() % 4 {
            case 0, 1:
                guard free(start, end) else { continue }
                let region = MemoryRegion(start: start, end: end, permissions: PTE.read, kind: .mapping)
                map.insert(region)
                model.append(region)
                model.sort { $0.start < $1.start }
            case 2:
                map.replaceOverlapping(start, end) { region in
                    [MemoryRegion(start: region.start, end: max(region.start, start), permissions: region.permissions, kind: region.kind),
                     MemoryRegion(start: min(region.end, end), end: region.end, permissions: region.permissions, kind: region.kind)]
                        .filter { $0.start < $0.end }
                }
                model = model.flatMap { region -> [MemoryRegion] in
                    guard region.start < end, region.end > start else { return [region] }
                    return [MemoryRegion(start: region.start, end: max(region.start, start), permissions: region.permissions, kind: region.kind),
                            MemoryRegion(start: min(region.end, end), end: region.end, permissions: region.permissions, kind: region.kind)]
                        .filter { $0.start < $0.end }
                }
            default:
                let probe = (random.next() % pages) * page + random.next() % page
                #expect(map.region(containing: probe) == model.first { $0.contains(probe) })
                #expect(map.isFree(start, end) == free(start, end))
                let length = (1 + random.next() % 64) * page, floor = (random.next() % 100) * page
                var top = pages * page
                var expected: UInt64? = nil
                for region in model.reversed() where region.start < top {
                    if region.end <= top, top - region.end >= length, top - length >= floor { expected = top - length; break }
                    top = min(top, region.start)
                }
                if expected == nil, top >= floor, top - floor >= length { expected = top - length }
                #expect(map.highestFreeRange(length: length, floor: floor, ceiling: pages * page) == expected)
            }
            #expect(map.count == model.count)
        }
        #expect(map.all == model)
    }

    @Test("with 20,000 regions (hundreds of chunks, several blocks) the top-down search finds what a plain scan finds")
    func freeRangeAmongManyRegions() {
        var random = SplitMix64(seed: 7)
        var map = RegionMap()
        var model: [MemoryRegion] = []
        let page: UInt64 = 4096
        var address: UInt64 = 1 << 40
        for _ in 0..<20_000 {
            // Top-down, as mmap places them; now and then a hole of 1-40 pages.
            address -= page * (random.next() % 50 == 0 ? 1 + random.next() % 40 : 0)
            address -= page
            let region = MemoryRegion(start: address, end: address + page, permissions: PTE.read, kind: .mapping)
            map.insert(region)
            model.insert(region, at: 0)
        }
        // Unmap a few stretches, so chunks shrink and merge.
        for _ in 0..<50 {
            let start = model[Int(random.next() % UInt64(model.count))].start, end = start + page * (1 + random.next() % 300)
            map.replaceOverlapping(start, end) { _ in [] }
            model.removeAll { $0.start < end && $0.end > start }
        }
        #expect(map.all == model)
        for _ in 0..<300 {
            let length = page * (1 + random.next() % 64)
            let ceiling = (1 << 40) - page * (random.next() % 30_000)
            let floor = (random.next() % 2 == 0) ? 0 : ceiling - min(ceiling, page * (random.next() % 30_000))
            var top = ceiling
            var expected: UInt64? = nil
            for region in model.reversed() where region.start < top {
                if region.end <= top, top - region.end >= length, top - length >= floor { expected = top - length; break }
                top = min(top, region.start)
            }
            if expected == nil, top >= floor, top - floor >= length { expected = top - length }
            #expect(map.highestFreeRange(length: length, floor: floor, ceiling: ceiling) == expected)
        }
    }
}
