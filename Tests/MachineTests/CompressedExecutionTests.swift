// The C extension executed on the machine (the expander itself is in CompressedTests):
// every RV64C instruction written explicitly with its c. mnemonic and checked by its
// effect — immediates at their extremes, the x8–x15 register forms, stack-relative loads
// and stores, c.jalr linking pc + 2, branches both ways — a mix of 16- and 32-bit code at
// every alignment including a 32-bit instruction straddling two pages, HINTs running as
// no-ops, and every reserved encoding raising illegal instruction with the 16-bit parcel
// in mtval.

import Testing
@testable import Machine

@Suite(.enabled(if: CrossTools.available, "needs clang and ld.lld for riscv64"))
struct CompressedExecutionTests {
    @Test func integerComputation() throws {
        let run = try BareMetal.run("""
                .option push
                .option rvc
                c.li a0, -32
                OUT a0
                c.addi a0, 31
                OUT a0
                c.lui a1, 0xfffff             # nzimm = -1: 0xfffffffffffff000
                OUT a1
                c.lui a1, 0x1f
                OUT a1
                li a2, 0x7fffffff
                c.addiw a2, 1
                OUT a2
                li a3, 0xffffffff
                c.addiw a3, 0                 # sext.w
                OUT a3
                li s0, 0x8000000000000001
                c.mv s1, s0
                c.srai s1, 63
                OUT s1
                c.mv s1, s0
                c.srli s1, 63
                OUT s1
                c.mv s1, s0
                c.slli s1, 63
                OUT s1
                li a4, 0x0ff0
                li a5, 0x00ff
                c.mv a0, a4
                c.and a0, a5
                OUT a0
                c.mv a0, a4
                c.or a0, a5
                OUT a0
                c.mv a0, a4
                c.xor a0, a5
                OUT a0
                c.mv a0, a4
                c.sub a0, a5
                OUT a0
                c.mv a0, a4
                c.andi a0, -16
                OUT a0
                c.mv a0, a4
                c.andi a0, 31
                OUT a0
                li a0, 0x7fffffff
                li a1, 1
                c.addw a0, a1
                OUT a0
                li a0, 0x80000000
                c.subw a0, a1
                OUT a0
                li a0, 5
                li t0, -7
                c.add a0, t0
                OUT a0
                c.nop
                # sp-relative: c.addi16sp, c.addi4spn, and the stack loads and stores
                c.mv s1, sp
                c.addi16sp sp, -512
                sub a0, s1, sp
                OUT a0
                c.addi4spn a0, sp, 1020
                sub a0, a0, sp
                OUT a0
                li a1, 0x8123456789abcdef
                c.sdsp a1, 504(sp)
                c.ldsp a2, 504(sp)
                OUT a2
                c.swsp a1, 252(sp)
                c.lwsp a2, 252(sp)            # sign-extends
                OUT a2
                c.mv s0, sp
                c.sd a1, 248(s0)
                c.ld a3, 248(s0)
                OUT a3
                c.sw a1, 124(s0)
                c.lw a3, 124(s0)
                OUT a3
                li t0, 0x400921fb54442d18
                fmv.d.x f8, t0
                c.fsdsp f8, 496(sp)
                c.fldsp f9, 496(sp)
                fmv.x.d a0, f9
                OUT a0
                c.fsd f8, 240(s0)
                c.fld f10, 240(s0)
                fmv.x.d a0, f10
                OUT a0
                c.addi16sp sp, 496
                c.addi sp, 16
                sub a0, s1, sp
                OUT a0
                .option pop
            """)
        run.expectResults([
            ("c.li -32", UInt64(bitPattern: -32)), ("c.addi 31", UInt64(bitPattern: -1)),
            ("c.lui -1", 0xFFFF_FFFF_FFFF_F000), ("c.lui 0x1f", 0x1F000),
            ("c.addiw overflow sign-extends", 0xFFFF_FFFF_8000_0000), ("c.addiw 0", .max),
            ("c.srai 63", .max), ("c.srli 63", 1), ("c.slli 63", 0x8000_0000_0000_0000),
            ("c.and", 0xF0), ("c.or", 0xFFF), ("c.xor", 0xF0F), ("c.sub", 0xEF1),
            ("c.andi -16", 0xFF0), ("c.andi 31", 0x10),
            ("c.addw sign-extends", 0xFFFF_FFFF_8000_0000), ("c.subw", 0x7FFF_FFFF), ("c.add", UInt64(bitPattern: -2)),
            ("c.addi16sp -512", 512), ("c.addi4spn 1020", 1020),
            ("c.sdsp/c.ldsp", 0x8123_4567_89AB_CDEF), ("c.swsp/c.lwsp sign-extends", 0xFFFF_FFFF_89AB_CDEF),
            ("c.sd/c.ld", 0x8123_4567_89AB_CDEF), ("c.sw/c.lw", 0xFFFF_FFFF_89AB_CDEF),
            ("c.fsdsp/c.fldsp", 0x4009_21FB_5444_2D18), ("c.fsd/c.fld", 0x4009_21FB_5444_2D18),
            ("sp restored", 0),
        ])
    }

    @Test func controlFlow() throws {
        let run = try BareMetal.run("""
                .option push
                .option rvc
                li s0, 0
                c.beqz s0, 1f
                c.li a0, 1
                c.j 2f
            1:  c.li a0, 2
            2:  OUT a0
                c.bnez s0, 3f
                c.li a0, 3
                c.j 4f
            3:  c.li a0, 4
            4:  OUT a0
                c.li s0, 5
                c.bnez s0, 5f
                c.li a0, 5
            5:  c.beqz s0, 6f
                c.li a0, 6
            6:  OUT a0
                # a backward loop of compressed instructions
                c.li a1, 0
                c.li s1, 10
            7:  c.addi a1, 2
                c.addi s1, -1
                c.bnez s1, 7b
                OUT a1
                la t0, target
                c.jalr t0                     # links pc + 2
            return_point:
                OUT a0
                OUT a1
                la t0, jr_target
                c.jr t0
                c.li a0, 0
            jr_target:
                c.ebreak
            after_ebreak:
                OUT a0
                c.j 8f

                .p2align 2
            target:
                c.mv a0, ra
                c.li a1, 17
                c.jr ra
            8:
                .option pop
            """)
        run.expectResults([
            ("c.beqz taken", 2), ("c.bnez not taken", 3), ("c.bnez taken, c.beqz not", 6), ("backward loop", 20),
            ("c.jalr links pc + 2", run.address("return_point")), ("callee ran", 17),
            ("c.jr jumped over the c.li", run.address("return_point")),
        ])
        #expect(run.traps.count == 1)
        if let trap = run.traps.first {
            #expect(trap.cause == 3 && trap.epc == run.address("jr_target"), "c.ebreak: \(trap)")
        }
    }

    /// 32-bit instructions at addresses 2 mod 4, and one that straddles two pages.
    @Test func mixedLengthsAndPageStraddling() throws {
        let run = try BareMetal.run("""
                li a0, 0
                j straddle_entry
            back:
                OUT a0
                # a compressed nop puts the next 32-bit instruction at 2 mod 4
                .p2align 2
                c.nop
                addi a0, a0, 100
                c.addi a0, 1
                lui a1, 0x12345
                c.nop
                addiw a1, a1, 0x678
                OUT a0
                OUT a1
                j done

                .p2align 12
                .skip 4096 - 4
                .option push
                .option rvc
            straddle_entry:                   # at page end - 4
                c.addi a0, 3
                .option norvc
            straddle:                         # at page end - 2: a 32-bit instruction across pages
                addi a0, a0, 40
                .option pop
                j back
            done:
            """)
        let straddle = run.address("straddle")
        #expect(straddle & 0xFFF == 0xFFE)
        run.expectResults([("page-straddling instruction ran", 43), ("2 mod 4 alignment", 144),
                           ("lui + addiw", 0x1234_5678)])
    }

    @Test func hintsAreNoOps() throws {
        let run = try BareMetal.run("""
                li a0, 11
                li t0, 22
                .half 0x0005                  # c.nop with nzimm = 1
                .half 0x4015                  # c.li x0, 5
                .half 0x802a                  # c.mv x0, a0
                .half 0x902a                  # c.add x0, a0
                .half 0x0502                  # c.slli a0, 0 (c.slli64: a HINT)
                .half 0x8101                  # c.srli a0, 0 (c.srli64: a HINT)
                OUT a0
                OUT t0
                OUT zero
            """)
        run.expectResults([("a0 unchanged", 11), ("t0 unchanged", 22), ("x0 still 0", 0)])
        #expect(run.traps.isEmpty, "\(run.traps)")
    }

    @Test func reservedEncodingsAreIllegal() throws {
        let parcels: [(String, UInt16)] = [
            ("all zero", 0x0000), ("c.addi4spn with nzuimm = 0", 0x0004), ("quadrant 0, funct3 = 100", 0x8000),
            ("c.addiw rd = 0", 0x2001), ("c.addi16sp with nzimm = 0", 0x6101), ("c.lui with nzimm = 0", 0x6281),
            ("MISC-ALU 1 11 10", 0x9C41), ("MISC-ALU 1 11 11", 0x9C61), ("c.lwsp rd = 0", 0x4002),
            ("c.ldsp rd = 0", 0x6002), ("c.jr x0", 0x8002),
        ]
        let body = parcels.enumerated().map { "reserved\($0.offset): .half 0x\(String($0.element.1, radix: 16))" }
            .joined(separator: "\n") + "\n"
        let run = try BareMetal.run(body)
        run.expectPassed()
        let traps = run.traps
        #expect(traps.count == parcels.count, "\(traps)")
        for (index, (trap, parcel)) in zip(traps, parcels).enumerated() {
            #expect(trap == LoggedTrap(cause: 2, epc: run.address("reserved\(index)"), tval: UInt64(parcel.1), status: trap.status),
                    "\(parcel.0)")
        }
    }
}
