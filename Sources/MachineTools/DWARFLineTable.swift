// Source lines for code addresses: a guest ELF's DWARF line tables (.debug_line, read by
// DWARFLineProgram.swift) turned once into one array of rows sorted by address, so that
// naming the file and line of a PC is a binary search, not a walk of the programs. Fault
// reports and backtraces (Kernel/Backtrace.swift) print `function+0x1c (file.swift:12)`.

import Machine

/// Where an address's code came from.
public struct CodeLocation: Sendable, Equatable, CustomStringConvertible {
    /// The path as the compiler recorded it (its directory joined to the file's name).
    public var path: String
    public var line: Int
    /// 0 when the compiler gave no column.
    public var column: Int

    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    /// The path's last component: reports stay short and do not depend on where the
    /// program was built.
    public var fileName: String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// `file.swift:12`.
    public var description: String { "\(fileName):\(line)" }
}

/// The line table of one program, sorted by address.
public struct DWARFLineTable: Sendable {
    /// Every file the rows name, by index.
    public let files: [String]
    private let rows: [DWARFLineRow]

    /// A table with no lines (a program built without -g).
    public init() {
        files = []
        rows = []
    }

    /// Reads the sections' bytes; `lineStrings` and `strings` are .debug_line_str and
    /// .debug_str, which version 5 file tables point into (empty when absent).
    public init(debugLine: [UInt8], lineStrings: [UInt8] = [], strings: [UInt8] = []) throws(DWARFError) {
        var program = DWARFLineProgram(debugLine: debugLine, lineStrings: lineStrings, strings: strings)
        try program.run()
        files = program.files
        // At one address a sequence's end sorts before the next sequence's first row, and
        // rows of one sequence keep their order (the last of them wins, as in llvm-symbolizer).
        rows = program.rows.sorted { a, b in
            (a.address, a.endsSequence ? 0 : 1, a.order) < (b.address, b.endsSequence ? 0 : 1, b.order)
        }
    }

    /// The table of a guest program: empty when it has no .debug_line, or only a compressed
    /// one (Go links its DWARF compressed; this reader does not inflate); an error when the
    /// section is there but cannot be read.
    public init(image: ELFImage) throws(DWARFError) {
        guard let (debugLine, compressed) = try image.section(named: ".debug_line"), !compressed else {
            self.init()
            return
        }
        let lineStrings = try image.sectionBytes(named: ".debug_line_str") ?? []
        let strings = try image.sectionBytes(named: ".debug_str") ?? []
        try self.init(debugLine: debugLine, lineStrings: lineStrings, strings: strings)
    }

    public var isEmpty: Bool { rows.isEmpty }
    /// Rows, counting each sequence's end.
    public var rowCount: Int { rows.count }

    /// The file and line of the code at `address`, or nil when no sequence covers it or
    /// the compiler marked it as belonging to no line (line 0).
    public func location(at address: UInt64) -> CodeLocation? {
        // The first row above the address; the one before it covers the address.
        var low = 0
        var high = rows.count
        while low < high {
            let mid = low + (high - low) / 2
            if rows[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let row = rows[low - 1]
        guard !row.endsSequence, row.line != 0, Int(row.file) < files.count else { return nil }
        return CodeLocation(path: files[Int(row.file)], line: Int(row.line), column: Int(row.column))
    }
}
