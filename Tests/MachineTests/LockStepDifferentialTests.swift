// Lock-step differential test of the run loop: random but valid instruction streams
// (register operations, branches and jumps within the code, loads and stores to RAM,
// compressed forms, the pairs decode fuses, stores into the code itself, the odd trap)
// run once one instruction per `runBatch(limit: 1)` — the reference — and once in batches
// of random sizes and horizons, and the two must agree on pc, registers, instret, cycle
// and memory at every point where the batched run stops. Blocks, chaining and fusion may
// change how fast the loop goes, never where it stands.

import Testing
@testable import Machine

@Suite struct LockStepDifferentialTests {
    /// Where the generated code starts: 384 bytes before a page boundary, so blocks,
    /// fused pairs and 32-bit instructions meet the end of a page.
    static let codeStart: UInt64 = 0x8000_0E80
    static let dataStart: UInt64 = 0x8001_0000
    static let dataSize = 4096
    static let steps = 2500

    @Test(arguments: Array(UInt64(1)...24))
    func batchedRunMatchesSingleSteps(seed: UInt64) throws {
        var random = LockStepRandom(state: seed &* 0x9E37_79B9_7F4A_7C15)
        let program = RandomProgram(random: &random, start: Self.codeStart)
        let reference = try Self.machine(program, seed: seed)
        let batched = try Self.machine(program, seed: seed)
        let referenceHart = reference.harts[0], batchedHart = batched.harts[0]

        // The reference: one instruction per batch, its state after every step.
        var states = [Self.state(referenceHart)]
        var memories = [Self.memory(reference)]
        var fused = 0
        for step in 0..<Self.steps {
            if step % 100 == 0 { fused = max(fused, Self.fusedRecords(reference)) }
            let stepped = referenceHart.runBatch(limit: 1)
            try #require(stepped == 1, "a single step must step exactly one instruction")
            states.append(Self.state(referenceHart))
            memories.append(Self.memory(reference))
        }

        // The pairs decode fuses must have been fused, or this test would not test them.
        #expect(Set(states.map(\.pc)).count > 60, "seed \(seed): the program must run through most of its code")
        #expect(fused > 0, "seed \(seed): no fused pair was decoded")

        // The batched run, compared wherever it stops.
        var done = 0
        var batches = 0
        while done < Self.steps {
            let sizes = [1, 2, 3, 5, 8, 13, 64, 500, 5000]
            let limit = min(sizes[Int(random.next() % UInt64(sizes.count))], Self.steps - done)
            let memoryLimit = random.next() % 4 == 0 ? Int(random.next() % UInt64(limit + 1)) : .max
            var stepped = batchedHart.runBatch(limit: limit, memoryLimit: memoryLimit)
            if stepped == 0 {
                // The first instruction touches memory beyond the horizon: it must not have run.
                #expect(batchedHart.reachedHorizon)
                #expect(Self.state(batchedHart) == states[done])
                stepped = batchedHart.runBatch(limit: limit)
            }
            #expect(stepped >= 1 && stepped <= limit, "batch of limit \(limit) stepped \(stepped)")
            if memoryLimit == .max && !batchedHart.breakRequested {
                #expect(stepped == limit, "a batch without a horizon steps exactly its limit")
            }
            done += stepped
            batches += 1
            let state = Self.state(batchedHart)
            if state != states[done] || Self.memory(batched) != memories[done] {
                Issue.record("seed \(seed): after \(done) instructions (batch \(batches), limit \(limit), horizon \(memoryLimit)) the batched run differs:\n  batched   \(state)\n  reference \(states[done])")
                return
            }
        }
    }

    struct State: Equatable, CustomStringConvertible {
        var pc: UInt64
        var registers: [UInt64]
        var instret: UInt64
        var cycle: UInt64
        var description: String {
            "pc \(String(pc, radix: 16)) instret \(instret) cycle \(cycle) x \(registers.map { String($0, radix: 16) })"
        }
    }

    static func state(_ hart: Hart) -> State {
        State(pc: hart.pc, registers: (0..<32).map { hart.register($0) }, instret: hart.instret, cycle: hart.cycle)
    }

    /// Fused records now in the decoded blocks of the code's pages.
    static func fusedRecords(_ machine: Machine) -> Int {
        let memory = machine.memory
        var count = 0
        for page in [codeStart & ~0xFFF, (codeStart & ~0xFFF) + 4096] {
            guard let offset = memory.offset(of: page, length: 4096), let block = memory.decodedPages[offset >> 12] else { continue }
            for slot in 0..<PhysicalMemory.slotsPerPage where block[slot].operation.isFused {
                count += 1
            }
        }
        return count
    }

    static func memory(_ machine: Machine) -> [UInt8] {
        let code = machine.memory.read(at: codeStart & ~0xFFF, count: 8192) ?? []
        return code + (machine.memory.read(at: dataStart, count: dataSize) ?? [])
    }

    static func machine(_ program: RandomProgram, seed: UInt64) throws -> Machine {
        var configuration = MachineConfiguration()
        configuration.ramSize = 1 << 20
        let machine = try Machine(configuration: configuration)
        machine.memory.write(program.bytes, at: codeStart)
        var random = LockStepRandom(state: seed)
        var data = [UInt8]()
        for _ in 0..<dataSize { data.append(UInt8(truncatingIfNeeded: random.next())) }
        machine.memory.write(data, at: dataStart)
        let hart = machine.harts[0]
        for register in 1..<32 {
            let value = random.next()
            hart.setRegister(register, random.next() % 2 == 0 ? value % 64 : value)
        }
        hart.setRegister(RandomProgram.dataBase, dataStart)
        hart.setRegister(RandomProgram.compressedDataBase, dataStart + 2048)
        hart.setRegister(RandomProgram.codeBase, codeStart)
        hart.setRegister(RandomProgram.codeWord, UInt64(RandomProgram.patchWord))
        // A trap (illegal instruction, ecall, a load fault) steps over the instruction.
        hart.setMachineTrapVector(codeStart + UInt64(program.handlerOffset))
        hart.setPC(codeStart)
        return machine
    }
}

/// SplitMix64, so every seed gives the same program on every run.
struct LockStepRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// A random program: a list of instructions, some of them branches to other instructions
/// of the list, encoded once every instruction's address is known.
struct RandomProgram {
    /// Registers the generator keeps fixed: the data bases and the code base and word.
    static let dataBase = 27, compressedDataBase = 9, codeBase = 26, codeWord = 25
    /// `addi x5, x5, 1`: what stores into the code write over a 32-bit instruction.
    static let patchWord: UInt32 = 0x0012_8293

    enum Item {
        case word(UInt32)
        case half(UInt16)
        /// A branch (funct3), c.beqz/c.bnez, jal, c.j, or auipc+jalr to instruction `target`.
        case branch(funct3: UInt32, rs1: UInt32, rs2: UInt32, target: Int)
        case compressedBranch(notZero: Bool, rs1: UInt32, target: Int)
        case jal(rd: UInt32, target: Int)
        case compressedJump(target: Int)
        case auipcJalr(rd: UInt32, target: Int)
        /// `sw codeWord, offset(codeBase)` over the 32-bit instruction `target`.
        case patch(target: Int)

        var length: Int {
            switch self {
            case .half, .compressedBranch, .compressedJump: 2
            case .auipcJalr: 8
            default: 4
            }
        }
    }

    var bytes: [UInt8] = []

    static let writable: [UInt32] = Array(1...8) + Array(10...24) + [28, 29, 30, 31]
    static let compressedWritable: [UInt32] = [8, 10, 11, 12, 13, 14, 15]

    init(random: inout LockStepRandom, start: UInt64) {
        var items: [Item] = []
        let count = 260
        func rd(_ random: inout LockStepRandom) -> UInt32 {
            random.chance(5) ? 0 : Self.writable[random.below(Self.writable.count)]
        }
        func rs(_ random: inout LockStepRandom) -> UInt32 { UInt32(random.below(32)) }
        for _ in 0..<count {
            let kind = random.below(100)
            let d = rd(&random), a = rs(&random), b = rs(&random)
            let imm = Int64(random.below(4096)) - 2048
            switch kind {
            case 0..<8:
                // addi and a branch on its result: the pair decode fuses.
                let f3 = UInt32([0, 1, 4, 5, 6, 7][random.below(6)])
                let swapped = f3 < 2 && random.chance(30)
                items += [.word(Self.i(0x13, 0, d, a, imm)),
                          .branch(funct3: f3, rs1: swapped ? b : d, rs2: swapped ? d : b, target: -1)]
            case 8..<22:
                // Register-register: RV64I, the W forms and M.
                let forms: [(UInt32, UInt32, UInt32)] = [
                    (0x33, 0, 0), (0x33, 0, 0x20), (0x33, 1, 0), (0x33, 2, 0), (0x33, 3, 0), (0x33, 4, 0),
                    (0x33, 5, 0), (0x33, 5, 0x20), (0x33, 6, 0), (0x33, 7, 0),
                    (0x3B, 0, 0), (0x3B, 0, 0x20), (0x3B, 1, 0), (0x3B, 5, 0), (0x3B, 5, 0x20),
                    (0x33, 0, 1), (0x33, 1, 1), (0x33, 2, 1), (0x33, 3, 1), (0x33, 4, 1), (0x33, 5, 1), (0x33, 6, 1), (0x33, 7, 1),
                    (0x3B, 0, 1), (0x3B, 4, 1), (0x3B, 5, 1), (0x3B, 6, 1), (0x3B, 7, 1),
                ]
                let (op, f3, f7) = forms[random.below(forms.count)]
                items.append(.word(Self.r(op, f3, f7, d, a, b)))
            case 22..<38:
                // Register-immediate.
                let f3 = [0, 2, 3, 4, 6, 7][random.below(6)]
                items.append(.word(Self.i(0x13, UInt32(f3), d, a, imm)))
                if random.chance(30) {
                    let shift = Int64(random.below(64))
                    items.append(.word(Self.i(0x13, [1, 5][random.below(2)], d, a, random.chance(50) ? shift : shift | 0x400)))
                }
                if random.chance(20) { items.append(.word(Self.i(0x1B, 0, d, a, imm))) }
                if random.chance(20) { items.append(.word(Self.i(0x1B, [1, 5][random.below(2)], d, a, Int64(random.below(32)) | (random.chance(50) ? 0x400 : 0)))) }
            case 38..<48:
                // The pairs decode may fuse: lui+addi(w), auipc+addi, auipc+ld, slli+srli,
                // addi+branch, srli+slli of one source.
                let upper = Int64(random.below(1 << 20))
                switch random.below(8) {
                case 0: items += [.word(Self.u(0x37, d, upper)), .word(Self.i(0x13, 0, d, d, imm))]
                case 1: items += [.word(Self.u(0x37, d, upper)), .word(Self.i(0x1B, 0, d, d, imm))]
                case 2: items += [.word(Self.u(0x17, d, upper)), .word(Self.i(0x13, 0, d, d, imm))]
                case 3:
                    // auipc+ld: mostly to a valid data address (the auipc's own 0 upper reaches
                    // the code), sometimes faulting.
                    items += [.word(Self.u(0x17, d, random.chance(80) ? 0 : upper)), .word(Self.i(0x03, 3, d, d, Int64(random.below(512)) - 256))]
                case 4:
                    // addi and a branch on its result (the first operand, or either for beq/bne).
                    let f3 = UInt32([0, 1, 4, 5, 6, 7][random.below(6)])
                    let swapped = f3 < 2 && random.chance(30)
                    items += [.word(Self.i(0x13, 0, d, a, imm)),
                              .branch(funct3: f3, rs1: swapped ? b : d, rs2: swapped ? d : b, target: -1)]
                case 5:
                    // c.addi and c.beqz/c.bnez on the same register.
                    let r = Self.compressedWritable[random.below(Self.compressedWritable.count)]
                    let small = random.below(63) + 1
                    items += [.half(Self.ci(0, r, small, 1)), .compressedBranch(notZero: random.chance(50), rs1: r, target: -1)]
                case 6:
                    // srli and slli of one source into two registers (a rotate's halves): the
                    // srli's destination differs from the source, or it would not fuse; the
                    // slli's may be the source (as in a rotate), the srli's, x0 or another.
                    let right = Int64(random.below(64)), left = Int64(random.below(64))
                    let source = Self.writable.filter { $0 != d }[random.below(Self.writable.count - 1)]
                    let target = [source, d, 0, Self.writable[random.below(Self.writable.count)]][random.below(4)]
                    items += [.word(Self.i(0x13, 5, d, source, right)), .word(Self.i(0x13, 1, target, source, left))]
                default:
                    let left = Int64(random.below(64)), right = Int64(random.below(64))
                    items += [.word(Self.i(0x13, 1, d, a, left)), .word(Self.i(0x13, 5, d, d, right))]
                }
            case 48..<60:
                // Loads and stores to the data page (misaligned ones too).
                let offset = Int64(random.below(2048 - 8))
                let aligned = random.chance(85) ? offset & ~7 : offset
                if random.chance(50) {
                    items.append(.word(Self.i(0x03, UInt32(random.below(7)), d, UInt32(Self.dataBase), aligned)))
                } else {
                    items.append(.word(Self.s(UInt32(random.below(4)), UInt32(Self.dataBase), b, aligned)))
                }
            case 60..<72:
                // Compressed forms.
                let cd = rd(&random)
                let small = random.below(64)
                switch random.below(8) {
                case 0: if cd != 0 { items.append(.half(Self.ci(0, cd, small == 0 ? 1 : small, 1))) }   // c.addi
                case 1: if cd != 0 { items.append(.half(Self.ci(2, cd, small, 1))) }                      // c.li
                case 2: if cd != 0 && b != 0 { items.append(.half(UInt16(0x8002 | cd << 7 | b << 2))) }   // c.mv
                case 3: if cd != 0 && b != 0 { items.append(.half(UInt16(0x9002 | cd << 7 | b << 2))) }   // c.add
                case 4: if cd != 0 { items.append(.half(Self.ci(0, cd, small == 0 ? 1 : small, 2))) }      // c.slli
                case 5:
                    // c.ld / c.sd through the compressed data base.
                    let r = Self.compressedWritable[random.below(Self.compressedWritable.count)] - 8
                    let offset = UInt32(random.below(32)) * 8
                    let fields = (offset >> 3 & 7) << 10 | (offset >> 6 & 3) << 5 | UInt32(1) << 7 | r << 2
                    items.append(.half(UInt16((random.chance(50) ? 0x6000 : 0xE000) | fields)))
                case 6:
                    let r = Self.compressedWritable[random.below(Self.compressedWritable.count)] - 8
                    let op: UInt32 = [0x8C01, 0x8C21, 0x8C41, 0x8C61][random.below(4)]   // c.sub/xor/or/and
                    items.append(.half(UInt16(op | r << 7 | UInt32(random.below(8)) << 2)))
                default:
                    let r = Self.compressedWritable[random.below(Self.compressedWritable.count)] - 8
                    items.append(.half(UInt16(0x8001 | UInt32(random.below(3)) << 10 | r << 7 | UInt32(small & 31) << 2)))   // c.srli/srai/andi
                }
            case 72..<84:
                items.append(.branch(funct3: [0, 1, 4, 5, 6, 7][random.below(6)], rs1: a, rs2: b, target: -1))
            case 84..<88:
                let r = Self.compressedWritable[random.below(Self.compressedWritable.count)]
                items.append(.compressedBranch(notZero: random.chance(50), rs1: r, target: -1))
            case 88..<91: items.append(.jal(rd: random.chance(50) ? 1 : 0, target: -1))
            case 91..<93: items.append(.compressedJump(target: -1))
            case 93..<95: items.append(.auipcJalr(rd: random.chance(50) ? 1 : 0, target: -1))
            case 95..<97: items.append(.patch(target: -1))
            case 97: items.append(.word(0x0000_0073))                  // ecall: traps
            case 98: items.append(.word(Self.r(0x33, 0, 0x7F, 0, 0, 0)))   // illegal: traps
            default: items.append(.word(Self.i(0x0F, 0, 0, 0, 0x0FF)))   // fence: the slow path
            }
        }
        items.append(.jal(rd: 0, target: 0))
        handlerOffset = items.reduce(0) { $0 + $1.length }
        if handlerOffset % 4 != 0 {
            items.append(.half(0x0001))   // c.nop, so the handler is 4-byte aligned as mtvec needs
            handlerOffset += 2
        }

        // Targets: forward only, so every pass runs through to the final jump back.
        var addresses: [Int] = []
        var address = 0
        for item in items {
            addresses.append(address)
            address += item.length
        }
        let wordIndices = items.indices.filter { if case .word = items[$0] { (addresses[$0] + Int(start)) % 4 == 0 } else { false } }
        func pick(_ index: Int, within range: Int, _ random: inout LockStepRandom) -> Int {
            let forward = items.indices.filter { $0 > index && addresses[$0] - addresses[index] < range }
            return forward.isEmpty ? index + 1 : forward[random.below(min(forward.count, 40))]
        }
        for index in items.indices {
            switch items[index] {
            case .branch(let f3, let a, let b, _): items[index] = .branch(funct3: f3, rs1: a, rs2: b, target: pick(index, within: 4000, &random))
            case .compressedBranch(let nz, let r, _): items[index] = .compressedBranch(notZero: nz, rs1: r, target: pick(index, within: 250, &random))
            case .jal(let d, let t): items[index] = .jal(rd: d, target: t == 0 && index == items.count - 1 ? 0 : pick(index, within: 4000, &random))
            case .compressedJump: items[index] = .compressedJump(target: pick(index, within: 2000, &random))
            case .auipcJalr(let d, _): items[index] = .auipcJalr(rd: d, target: pick(index, within: 2000, &random))
            case .patch: items[index] = .patch(target: wordIndices.isEmpty ? 0 : wordIndices[random.below(wordIndices.count)])
            default: break
            }
        }

        for (index, item) in items.enumerated() {
            func offset(_ target: Int) -> Int64 { Int64(addresses[target] - addresses[index]) }
            switch item {
            case .word(let word): Self.append32(word, to: &bytes)
            case .half(let half): Self.append16(half, to: &bytes)
            case .branch(let f3, let a, let b, let target): Self.append32(Self.b(f3, a, b, offset(target)), to: &bytes)
            case .compressedBranch(let notZero, let r, let target):
                let o = UInt32(truncatingIfNeeded: offset(target))
                let bits = (o >> 8 & 1) << 12 | (o >> 3 & 3) << 10 | (o >> 6 & 3) << 5 | (o >> 1 & 3) << 3 | (o >> 5 & 1) << 2
                Self.append16(UInt16((notZero ? 0xE001 : 0xC001) | bits | (r - 8) << 7), to: &bytes)
            case .jal(let d, let target): Self.append32(Self.j(d, offset(target)), to: &bytes)
            case .compressedJump(let target):
                let o = UInt32(truncatingIfNeeded: offset(target))
                let bits = (o >> 11 & 1) << 12 | (o >> 4 & 1) << 11 | (o >> 8 & 3) << 9 | (o >> 10 & 1) << 8
                    | (o >> 6 & 1) << 7 | (o >> 7 & 1) << 6 | (o >> 1 & 7) << 3 | (o >> 5 & 1) << 2
                Self.append16(UInt16(0xA001 | bits), to: &bytes)
            case .auipcJalr(let d, let target):
                let o = offset(target)
                let upper = (o + 0x800) >> 12
                Self.append32(Self.u(0x17, 24, upper), to: &bytes)
                Self.append32(Self.i(0x67, 0, d, 24, o - upper << 12), to: &bytes)
            case .patch(let target):
                Self.append32(Self.s(2, UInt32(Self.codeBase), UInt32(Self.codeWord), Int64(addresses[target])), to: &bytes)
            }
        }
        // The handler: csrr x24, mepc; addi x24, x24, 4; csrw mepc, x24; mret.
        for word in [Self.i(0x73, 2, 24, 0, 0x341), Self.i(0x13, 0, 24, 24, 4), Self.i(0x73, 1, 0, 24, 0x341), 0x3020_0073] {
            Self.append32(word, to: &bytes)
        }
    }

    /// Where the trap handler starts, from the program's first byte: it steps `mepc` over
    /// the 4-byte instruction that trapped and returns, so a trap does not end the pass.
    var handlerOffset = 0

    static func append32(_ word: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }
    static func append16(_ half: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: half)); bytes.append(UInt8(truncatingIfNeeded: half >> 8))
    }
    static func r(_ op: UInt32, _ f3: UInt32, _ f7: UInt32, _ rd: UInt32, _ rs1: UInt32, _ rs2: UInt32) -> UInt32 {
        f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    static func i(_ op: UInt32, _ f3: UInt32, _ rd: UInt32, _ rs1: UInt32, _ imm: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: imm & 0xFFF) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    static func s(_ f3: UInt32, _ rs1: UInt32, _ rs2: UInt32, _ imm: Int64) -> UInt32 {
        let v = UInt32(truncatingIfNeeded: imm & 0xFFF)
        return (v >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (v & 31) << 7 | 0x23
    }
    static func b(_ f3: UInt32, _ rs1: UInt32, _ rs2: UInt32, _ imm: Int64) -> UInt32 {
        let v = UInt32(truncatingIfNeeded: imm)
        return (v >> 12 & 1) << 31 | (v >> 5 & 0x3F) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (v >> 1 & 0xF) << 8 | (v >> 11 & 1) << 7 | 0x63
    }
    static func u(_ op: UInt32, _ rd: UInt32, _ upper: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: upper & 0xFFFFF) << 12 | rd << 7 | op
    }
    static func j(_ rd: UInt32, _ imm: Int64) -> UInt32 {
        let v = UInt32(truncatingIfNeeded: imm)
        return (v >> 20 & 1) << 31 | (v >> 1 & 0x3FF) << 21 | (v >> 11 & 1) << 20 | (v >> 12 & 0xFF) << 12 | rd << 7 | 0x6F
    }
    /// CI format: funct3, rd, a 6-bit immediate, quadrant.
    static func ci(_ f3: UInt32, _ rd: UInt32, _ imm: Int, _ quadrant: UInt32) -> UInt16 {
        let v = UInt32(truncatingIfNeeded: imm) & 63
        return UInt16(f3 << 13 | (v >> 5) << 12 | rd << 7 | (v & 31) << 2 | quadrant)
    }
}
