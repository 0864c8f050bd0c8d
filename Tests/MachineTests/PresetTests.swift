// The memory presets: each validates, keeps one line size for every level, and matches the
// README's table ("The memory hierarchy") figure for figure, so the published figures the
// README cites and the ones the machine runs with cannot drift apart.

import Foundation
import Machine
import Testing

/// One row of the README's preset table, parsed.
private struct PresetRow {
    var name: String
    var threadsPerCore: Int
    var lineSize: Int
    var replacement: CacheReplacement
    var l1i: ParsedCache
    var l1d: ParsedCache
    var l2: ParsedCache?
    var llc: ParsedCache
    var memoryLatency: Int
    var cacheToCacheLatency: Int
}

/// A cache cell such as "32 KiB, 8-way, 4 cy [4]".
private struct ParsedCache: Equatable, CustomStringConvertible {
    var size: Int
    var associativity: Int
    var hitLatency: Int
    var description: String { "\(size) B, \(associativity)-way, \(hitLatency) cy" }

    init(size: Int, associativity: Int, hitLatency: Int) {
        self.size = size
        self.associativity = associativity
        self.hitLatency = hitLatency
    }

    init(_ geometry: CacheGeometry) {
        self.init(size: geometry.size, associativity: geometry.associativity, hitLatency: geometry.hitLatency)
    }
}

/// A README table that does not read as the test expects; the message says where.
private struct TableError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private enum ReadmeTable {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The rows of the table whose header starts with "| preset |", in the section "The memory hierarchy".
    static func rows() throws -> [PresetRow] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "\n## The memory hierarchy\n"), "the README has no section \"The memory hierarchy\"")
        let lines = text[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let headerIndex = try #require(lines.firstIndex { $0.hasPrefix("| preset |") }, "the section has no preset table")
        let header = cells(lines[headerIndex])
        func column(_ name: String) throws -> Int {
            try #require(header.firstIndex(of: name), "the preset table has no column \"\(name)\"")
        }
        let preset = try column("preset"), threads = try column("threads per core"), line = try column("line")
        let replacement = try column("replacement"), l1i = try column("L1I"), l1d = try column("L1D")
        let l2 = try column("L2"), llc = try column("LLC"), memory = try column("memory")
        let cacheToCache = try column("cache to cache")
        var rows: [PresetRow] = []
        for rowLine in lines[(headerIndex + 2)...] {
            guard rowLine.hasPrefix("|") else { break }
            let row = cells(rowLine)
            try #require(row.count == header.count, "a row with \(row.count) cells in a table of \(header.count) columns: \(rowLine)")
            rows.append(PresetRow(
                name: row[preset].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                threadsPerCore: try leadingInteger(row[threads]),
                lineSize: try leadingInteger(row[line]),
                replacement: try #require(row[replacement] == "tree-PLRU" ? .treePLRU : row[replacement] == "LRU" ? .lru : nil,
                                          "unknown replacement \"\(row[replacement])\""),
                l1i: try cache(row[l1i]),
                l1d: try cache(row[l1d]),
                l2: row[l2] == "—" ? nil : try cache(row[l2]),
                llc: try cache(row[llc]),
                memoryLatency: try cycles(row[memory]),
                cacheToCacheLatency: try cycles(row[cacheToCache])))
        }
        return rows
    }

    static func cells(_ line: String) -> [String] {
        var parts = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    static func leadingInteger(_ text: String) throws -> Int {
        guard let value = Int(text.prefix { $0.isNumber }) else { throw TableError("no number at the start of \"\(text)\"") }
        return value
    }

    /// "400 cy, ≈130 ns est." → 400.
    static func cycles(_ text: String) throws -> Int {
        guard let match = text.firstMatch(of: /^(\d+) cy\b/), let value = Int(match.1) else {
            throw TableError("no \"N cy\" at the start of \"\(text)\"")
        }
        return value
    }

    /// "32 KiB, 8-way, 4 cy [4]" → size in bytes, ways, hit latency.
    static func cache(_ text: String) throws -> ParsedCache {
        guard let match = text.firstMatch(of: /^(\d+) (KiB|MiB), (\d+)-way, (\d+) cy\b/),
              let size = Int(match.1), let ways = Int(match.3), let latency = Int(match.4) else {
            throw TableError("not \"SIZE KiB|MiB, N-way, N cy\": \"\(text)\"")
        }
        return ParsedCache(size: size << (match.2 == "KiB" ? 10 : 20), associativity: ways, hitLatency: latency)
    }
}

@Suite("Memory presets")
struct PresetTests {
    static let names = MemoryPreset.all.map(\.name)

    @Test("every preset validates and is found by its name", arguments: names)
    func validates(name: String) throws {
        let preset = try #require(MemoryPreset.named(name))
        try preset.hierarchy.validate()
        #expect(MemoryPreset.all.filter { $0.name == name }.count == 1)
        #expect(preset.hierarchy.name == preset.name)
        #expect(preset.hierarchy.coherent)
        #expect([1, 2].contains(preset.threadsPerCore))
    }

    @Test("every level of a preset uses one line size, and an L1I hit costs the one cycle of caches off", arguments: names)
    func oneLineSize(name: String) throws {
        let hierarchy = try #require(MemoryPreset.named(name)).hierarchy
        let levels = [hierarchy.l1i, hierarchy.l1d, hierarchy.llc] + (hierarchy.l2.map { [$0] } ?? [])
        #expect(Set(levels.map(\.lineSize)) == [64])
        #expect(hierarchy.l1i.hitLatency == 1)
    }

    @Test("latencies grow away from the core in every preset", arguments: names)
    func latenciesGrow(name: String) throws {
        let hierarchy = try #require(MemoryPreset.named(name)).hierarchy
        let latencies = [hierarchy.l1d.hitLatency] + (hierarchy.l2.map { [$0.hitLatency] } ?? []) + [hierarchy.llc.hitLatency]
        #expect(zip(latencies, latencies.dropFirst()).allSatisfy { $0 < $1 }, "\(latencies)")
        #expect(hierarchy.llc.hitLatency < hierarchy.memoryLatency)
        #expect(hierarchy.cacheToCacheLatency <= hierarchy.memoryLatency)
    }

    @Test("the README's table lists every preset with exactly the code's figures")
    func readmeMatchesCode() throws {
        let rows = try ReadmeTable.rows()
        #expect(rows.map(\.name) == MemoryPreset.all.map(\.name))
        for preset in MemoryPreset.all {
            let row = try #require(rows.first { $0.name == preset.name }, "the README's table has no row for \(preset.name)")
            let hierarchy = preset.hierarchy
            #expect(row.threadsPerCore == preset.threadsPerCore, "\(preset.name): threads per core")
            #expect(row.lineSize == hierarchy.l1d.lineSize, "\(preset.name): line size")
            let levels = [hierarchy.l1i, hierarchy.l1d, hierarchy.llc] + (hierarchy.l2.map { [$0] } ?? [])
            #expect(levels.allSatisfy { $0.replacement == row.replacement }, "\(preset.name): replacement")
            #expect(row.l1i == ParsedCache(hierarchy.l1i), "\(preset.name): L1I")
            #expect(row.l1d == ParsedCache(hierarchy.l1d), "\(preset.name): L1D")
            #expect(row.l2 == hierarchy.l2.map(ParsedCache.init), "\(preset.name): L2")
            #expect(row.llc == ParsedCache(hierarchy.llc), "\(preset.name): LLC")
            #expect(row.memoryLatency == hierarchy.memoryLatency, "\(preset.name): memory latency")
            #expect(row.cacheToCacheLatency == hierarchy.cacheToCacheLatency, "\(preset.name): cache-to-cache latency")
        }
    }

    @Test("the table's parser reads a cache cell and refuses a malformed one")
    func parserReadsCells() throws {
        #expect(try ReadmeTable.cache("32 MiB, 16-way, 50 cy [4]") == ParsedCache(size: 32 << 20, associativity: 16, hitLatency: 50))
        #expect(try ReadmeTable.cache("8 KiB, 4-way, 2 cy") == ParsedCache(size: 8 << 10, associativity: 4, hitLatency: 2))
        #expect(try ReadmeTable.cycles("97 cy: 15–19 ns [6]") == 97)
        #expect(throws: (any Error).self) { try ReadmeTable.cache("8 KB 4-way") }
        #expect(throws: (any Error).self) { try ReadmeTable.cycles("≈130 ns") }
    }
}
