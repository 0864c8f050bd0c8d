// Names of the control and status registers an RV64 machine with S and U modes has
// (unprivileged counters and floating-point CSRs, supervisor, machine, trigger and debug
// CSRs, numbered as in the privileged spec's CSR listing). Used by the disassembler and by
// anything else that shows CSR numbers to people. RV32-only CSRs (cycleh, mstatush, …) are
// not listed, nor are the odd-numbered
// pmpcfg registers, which only RV32 has.

import Machine

extension Disassembler {
    /// The name of CSR `number` (e.g. `mstatus` for 0x300), or nil if it is not one of the
    /// RV64 user/supervisor/machine/debug CSRs this machine knows about.
    public static func csrName(_ number: UInt16) -> String? {
        switch number {
        // Unprivileged floating-point CSRs
        case 0x001: return "fflags"
        case 0x002: return "frm"
        case 0x003: return "fcsr"
        // Unprivileged counters/timers
        case 0xC00: return "cycle"
        case 0xC01: return "time"
        case 0xC02: return "instret"
        case 0xC03...0xC1F: return "hpmcounter\(number - 0xC00)"
        // Supervisor trap setup, configuration, trap handling, protection, timer
        case 0x100: return "sstatus"
        case 0x104: return "sie"
        case 0x105: return "stvec"
        case 0x106: return "scounteren"
        case 0x10A: return "senvcfg"
        case 0x140: return "sscratch"
        case 0x141: return "sepc"
        case 0x142: return "scause"
        case 0x143: return "stval"
        case 0x144: return "sip"
        case 0x14D: return "stimecmp"
        case 0x180: return "satp"
        // Machine information registers
        case 0xF11: return "mvendorid"
        case 0xF12: return "marchid"
        case 0xF13: return "mimpid"
        case 0xF14: return "mhartid"
        case 0xF15: return "mconfigptr"
        // Machine trap setup
        case 0x300: return "mstatus"
        case 0x301: return "misa"
        case 0x302: return "medeleg"
        case 0x303: return "mideleg"
        case 0x304: return "mie"
        case 0x305: return "mtvec"
        case 0x306: return "mcounteren"
        // Machine configuration
        case 0x30A: return "menvcfg"
        // Machine counter setup
        case 0x320: return "mcountinhibit"
        case 0x323...0x33F: return "mhpmevent\(number - 0x320)"
        // Machine trap handling
        case 0x340: return "mscratch"
        case 0x341: return "mepc"
        case 0x342: return "mcause"
        case 0x343: return "mtval"
        case 0x344: return "mip"
        // Machine memory protection
        case 0x3A0...0x3AE where number % 2 == 0: return "pmpcfg\(number - 0x3A0)"  // odd ones are RV32-only
        case 0x3B0...0x3EF: return "pmpaddr\(number - 0x3B0)"
        // Machine counters/timers
        case 0xB00: return "mcycle"
        case 0xB02: return "minstret"
        case 0xB03...0xB1F: return "mhpmcounter\(number - 0xB00)"
        // Debug/trace triggers (shared with debug mode)
        case 0x7A0: return "tselect"
        case 0x7A1: return "tdata1"
        case 0x7A2: return "tdata2"
        case 0x7A3: return "tdata3"
        // Debug mode registers
        case 0x7B0: return "dcsr"
        case 0x7B1: return "dpc"
        case 0x7B2: return "dscratch0"
        case 0x7B3: return "dscratch1"
        default: return nil
        }
    }
}
