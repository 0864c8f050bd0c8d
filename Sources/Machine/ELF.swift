// The parsing half of the ELF loader: turns the bytes of a guest RV64 executable into a
// checked description (entry point, loadable segments, symbols) that the machine can place
// into RAM and the tools can use to name addresses. Guest files are hostile input, so every
// offset, size and index is checked before use, arithmetic on file values cannot wrap, counts
// are capped, and every problem becomes one `ELFError` sentence instead of a crash.
// The byte-level parsing lives in ELFParsing.swift; this file holds the public face.

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A guest executable that has passed every structural check.
///
/// Everything is validated once, here, so the loader that copies segments and the debugger
/// that symbolises addresses can trust offsets and sizes without checking them again.
public struct ELFImage: Sendable {
    /// One `PT_LOAD` program header: the only kind a bare-metal loader has to act on.
    public struct Segment: Sendable, Equatable {
        public var virtualAddress, physicalAddress, fileOffset, fileSize, memorySize: UInt64
        public var readable, writable, executable: Bool

        /// Public so tools and tests can describe segments without going through a file.
        public init(
            virtualAddress: UInt64, physicalAddress: UInt64, fileOffset: UInt64,
            fileSize: UInt64, memorySize: UInt64, readable: Bool, writable: Bool, executable: Bool
        ) {
            self.virtualAddress = virtualAddress
            self.physicalAddress = physicalAddress
            self.fileOffset = fileOffset
            self.fileSize = fileSize
            self.memorySize = memorySize
            self.readable = readable
            self.writable = writable
            self.executable = executable
        }
    }

    /// A defined symbol, kept so traces and the debugger can say `main+0x14` instead of a number.
    public struct Symbol: Sendable, Equatable {
        public var name: String
        public var value: UInt64
        public var size: UInt64
        public var isFunction: Bool
        public var isObject: Bool

        /// Public so tools and tests can build expected symbols to compare against.
        public init(name: String, value: UInt64, size: UInt64, isFunction: Bool, isObject: Bool) {
            self.name = name
            self.value = value
            self.size = size
            self.isFunction = isFunction
            self.isObject = isObject
        }
    }

    /// Where the first hart starts; checked to lie in the file data of an executable segment,
    /// so a program that was linked without `_start` fails here rather than running zeros.
    public let entry: UInt64
    /// The `PT_LOAD` segments in file order; each one's file range is inside `bytes`.
    public let segments: [Segment]
    /// Defined symbols from `.symtab` (or `.dynsym` when there is no `.symtab`), sorted by value
    /// so addresses can be named with a binary search. Section, file, TLS, RISC-V mapping
    /// (`$x`, `$d`) and assembler-local (`.L…`) symbols are left out because they never name
    /// an address usefully.
    public let symbols: [Symbol]
    /// The whole file, kept so segment contents can be sliced out without copying.
    public let bytes: [UInt8]

    /// Index into `symbols` by name; global and weak symbols win over locals of the same name.
    private let symbolIndexByName: [String: Int]

    /// The largest file `init(contentsOf:)` will read, so a huge or endless file cannot
    /// exhaust host memory.
    public static let maximumFileSize = 1 << 30
    /// The most sections accepted, so an extended section count cannot make us loop for ages.
    public static let maximumSectionCount = 65_536
    /// The most symbol-table entries accepted, so a hostile table cannot allocate gigabytes.
    public static let maximumSymbolCount = 1 << 20
    /// The most bytes of symbol names decoded in total: names may share or overlap string-table
    /// bytes, so without this a small file could expand into gigabytes of strings.
    public static let maximumSymbolNameBytes = 64 << 20

    /// Parses bytes that are already in memory (tests, embedded images); errors call them "the file".
    public init(bytes: [UInt8]) throws(ELFError) {
        try self.init(bytes: bytes, subject: "the file")
    }

    /// Reads and parses a guest executable from disk; errors name `path` so the user knows
    /// which of several files is at fault.
    public init(contentsOf path: String) throws(ELFError) {
        let bytes = try Self.readFile(atPath: path)
        try self.init(bytes: bytes, subject: "'\(path)'")
    }

    private init(bytes: [UInt8], subject: String) throws(ELFError) {
        let parsed = try ELFParser(bytes: bytes, subject: subject).parse()
        self.entry = parsed.entry
        self.segments = parsed.segments
        self.bytes = bytes

        // Sort on a total order (value, kind, name, size) so the result never depends on the
        // order of the table or on the sort algorithm's stability.
        let sorted = parsed.symbols.sorted { a, b in
            (a.symbol.value, Self.rank(a.symbol), a.symbol.name, a.symbol.size)
                < (b.symbol.value, Self.rank(b.symbol), b.symbol.name, b.symbol.size)
        }
        self.symbols = sorted.map(\.symbol)
        var index: [String: Int] = [:]
        var indexIsGlobal: [String: Bool] = [:]
        for (i, entry) in sorted.enumerated() {
            let name = entry.symbol.name
            if index[name] == nil || (entry.isGlobal && indexIsGlobal[name] == false) {
                index[name] = i
                indexIsGlobal[name] = entry.isGlobal
            }
        }
        self.symbolIndexByName = index
    }

    /// Among symbols at one address, functions sort first so `nearestSymbol` names code by the
    /// function rather than by a data label that happens to share its address.
    private static func rank(_ s: Symbol) -> Int {
        s.isFunction ? 0 : (s.isObject ? 2 : 1)
    }

    /// Looks a symbol up by name, e.g. to find `tohost` or `_start`; a global definition wins
    /// over a local one, and among equals the lowest address wins.
    public func symbol(named name: String) -> Symbol? {
        guard let i = symbolIndexByName[name], symbols.indices.contains(i) else { return nil }
        return symbols[i]
    }

    /// Names an address for traces and the debugger: the symbol with the greatest value not
    /// above `address` (a function if several share that value) and how far past it we are.
    /// Returns nil when no symbol lies at or below the address.
    public func nearestSymbol(atOrBefore address: UInt64) -> (symbol: Symbol, offset: UInt64)? {
        // First index whose value is above the address.
        var low = 0
        var high = symbols.count
        while low < high {
            let mid = low + (high - low) / 2
            if symbols[mid].value <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let value = symbols[low - 1].value
        // First index with that value: functions sort first within it.
        var first = 0
        high = low - 1
        while first < high {
            let mid = first + (high - first) / 2
            if symbols[mid].value < value { first = mid + 1 } else { high = mid }
        }
        return (symbols[first], address - value)
    }

    /// The bytes a segment takes from the file (the rest of `memorySize` is zero-filled by the
    /// loader). Clamped to the file, so even a hand-made `Segment` cannot read out of bounds.
    public func segmentBytes(_ s: Segment) -> ArraySlice<UInt8> {
        let count = UInt64(bytes.count)
        let start = min(s.fileOffset, count)
        let length = min(s.fileSize, count - start)
        return bytes[Int(start) ..< Int(start + length)]
    }

    /// Checks that every PT_LOAD segment (by physical address, as a bare-metal loader places
    /// them — use p_paddr; most files have paddr == vaddr) lies inside [base, base+size) and
    /// that no two overlap.
    ///
    /// Done before copying anything so a bad link reports which segment is wrong instead of
    /// half-loading or silently overwriting one segment with another. Empty segments
    /// (`memorySize == 0`) occupy nothing and are ignored.
    public func validatePlacement(ramBase: UInt64, ramSize: UInt64) throws(ELFError) {
        let ram = ramSize == 0
            ? "RAM (which is empty)"
            : "RAM (\(Self.hex(ramBase))–\(Self.hex(ramBase &+ (ramSize - 1))))"
        var placed: [(index: Int, start: UInt64, end: UInt64)] = []
        for (i, s) in segments.enumerated() where s.memorySize > 0 {
            // Written as differences from the base so no sum can wrap.
            let fits = s.physicalAddress >= ramBase
                && s.physicalAddress - ramBase <= ramSize
                && s.memorySize <= ramSize - (s.physicalAddress - ramBase)
            // The parser guarantees physicalAddress + memorySize does not wrap.
            let (end, wrapped) = s.physicalAddress.addingReportingOverflow(s.memorySize)
            guard fits, !wrapped else {
                throw ELFError(
                    "loadable segment \(i) (physical \(Self.hex(s.physicalAddress))–\(Self.hex(s.physicalAddress &+ (s.memorySize - 1))), "
                        + "\(s.memorySize) bytes) lies outside \(ram); link the program so every segment lands in RAM")
            }
            placed.append((i, s.physicalAddress, end))
        }
        // Sorted by start, any overlap shows up between neighbours.
        placed.sort { ($0.start, $0.index) < ($1.start, $1.index) }
        for (a, b) in zip(placed, placed.dropFirst()) where b.start < a.end {
            let overlapEnd = min(a.end, b.end)
            throw ELFError(
                "loadable segments \(min(a.index, b.index)) and \(max(a.index, b.index)) overlap at physical "
                    + "\(Self.hex(b.start))–\(Self.hex(overlapEnd - 1)), so loading one would overwrite the other")
        }
    }
}

/// Why a guest file was rejected, as one sentence a person can act on.
public struct ELFError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }

    /// Public so the loader's placing half can report its own problems in the same type.
    public init(_ message: String) {
        self.message = message
    }
}

extension ELFImage {
    /// Formats an address or offset the way readelf and the ISA manual do.
    static func hex(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }

    /// Reads a whole regular file with plain POSIX calls: opening non-blocking so a FIFO cannot
    /// hang us, refusing devices (think /dev/zero) and capping the size before allocating.
    static func readFile(atPath path: String) throws(ELFError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw ELFError("cannot open '\(path)': \(lastErrorDescription())")
        }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ELFError("cannot inspect '\(path)': \(lastErrorDescription())")
        }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR {
            throw ELFError("'\(path)' is a directory, not an ELF executable")
        }
        guard kind == S_IFREG else {
            throw ELFError("'\(path)' is not a regular file (it is a device, pipe or socket), so it cannot be an ELF executable")
        }
        let size = Int(info.st_size)
        guard size >= 0, size <= maximumFileSize else {
            throw ELFError("'\(path)' is \(size) bytes, more than the \(maximumFileSize >> 20) MiB the loader accepts")
        }

        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + filled, size - filled)
            }
            if got > 0 {
                filled += got
            } else if got == 0 {
                break  // The file shrank while we read it; parse what is there.
            } else if errno != EINTR {
                throw ELFError("cannot read '\(path)': \(lastErrorDescription())")
            }
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    private static func lastErrorDescription() -> String {
        guard let text = strerror(errno) else { return "error \(errno)" }
        return String(cString: text)
    }
}
