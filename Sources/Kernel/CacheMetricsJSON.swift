// The caches' part of `interleave run --json` (Metrics.swift writes the rest): per core
// and level what the memory system counted, the last level, memory traffic, the MESI
// transitions, and the `--c2c` lines. Keys are fixed and always present (null or empty
// without caches), so scripts can rely on them; README ("Statistics and --json") lists them.

import Machine

extension Kernel {
    /// MESI transitions as JSON keys ("I->M"), in a fixed order: from I, S, E, M to each other state.
    static let transitionKeys: [(from: CoherenceState, to: CoherenceState, key: String)] = {
        let states: [CoherenceState] = [.invalid, .shared, .exclusive, .modified]
        return states.flatMap { from in
            states.filter { $0 != from }.map { to in (from, to, "\(from)->\(to)") }
        }
    }()

    func writeMemory(_ memory: MemorySystemStatistics?, to json: JSONWriter) {
        guard let memory else { json.null(); return }
        json.object {
            json.field("cores") {
                json.array(memory.cores) { core in
                    json.object {
                        json.field("core", UInt64(clamping: core.core))
                        json.field("harts") { json.array(core.harts) { hart in json.value(UInt64(clamping: hart)) } }
                        json.field("l1i") { writeLevel(core.l1i, to: json) }
                        json.field("l1d") { writeLevel(core.l1d, to: json) }
                        json.field("l2") { if let l2 = core.l2 { writeLevel(l2, to: json) } else { json.null() } }
                    }
                }
            }
            json.field("llc") { writeLevel(memory.llc, to: json) }
            json.field("memoryReads", memory.memoryReads)
            json.field("memoryWrites", memory.memoryWrites)
            json.field("transitions") {
                json.object {
                    for (from, to, key) in Kernel.transitionKeys {
                        json.field(key, Kernel.transitionCount(memory, from: from, to: to))
                    }
                }
            }
        }
    }

    static func transitionCount(_ memory: MemorySystemStatistics, from: CoherenceState, to: CoherenceState) -> UInt64 {
        let row = Int(from.rawValue), column = Int(to.rawValue)
        guard row < memory.transitions.count, column < memory.transitions[row].count else { return 0 }
        return memory.transitions[row][column]
    }

    func writeLevel(_ level: CacheLevelStatistics, to json: JSONWriter) {
        json.object {
            json.field("hits", level.hits)
            json.field("misses", level.misses)
            json.field("compulsoryMisses", level.compulsoryMisses)
            json.field("capacityMisses", level.capacityMisses)
            json.field("conflictMisses", level.conflictMisses)
            json.field("coherenceMisses", level.coherenceMisses)
            json.field("writeBacks", level.writeBacks)
            json.field("invalidationsSent", level.invalidationsSent)
            json.field("invalidationsReceived", level.invalidationsReceived)
            json.field("cacheToCacheReceived", level.cacheToCacheReceived)
            json.field("cacheToCacheSupplied", level.cacheToCacheSupplied)
            json.field("hitModified", level.hitModified)
        }
    }

    func writeContendedLines(_ lines: [ContendedLineReport], to json: JSONWriter) {
        json.array(lines) { line in
            json.object {
                json.field("line", "0x" + String(line.lineAddress, radix: 16))
                json.field("hitModifiedLoads", line.hitModifiedLoads)
                json.field("invalidations", line.invalidations)
                json.field("cacheToCacheTransfers", line.cacheToCacheTransfers)
                json.field("accessors") {
                    json.array(line.accessors) { accessor in
                        json.object {
                            json.field("pid", Int64(accessor.pid))
                            json.field("hart", UInt64(clamping: accessor.hart))
                            json.field("symbol", accessor.symbol)
                            json.field("pc", "0x" + String(accessor.pc, radix: 16))
                            json.field("offset", UInt64(clamping: accessor.offsetInLine))
                            json.field("loads", accessor.loads)
                            json.field("stores", accessor.stores)
                            json.field("hitModified", accessor.hitModified)
                        }
                    }
                }
            }
        }
    }
}
