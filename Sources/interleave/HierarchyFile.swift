// A custom memory hierarchy from a JSON file (`--caches FILE.json`; docs/hierarchy-example.json
// is one). The file is read field by field so that every mistake names its field and what
// the field accepts: an unknown key (a typo would otherwise be ignored), a missing one, a
// value of the wrong kind, or one out of range (MemoryHierarchy.validate says which).

import Foundation
import Machine

enum HierarchyFile {
    /// Keys a file may have, at the top and in each cache.
    static let topKeys = ["name", "l1i", "l1d", "l2", "llc", "memoryLatency", "cacheToCacheLatency", "coherent", "threadsPerCore"]
    static let cacheKeys = ["size", "associativity", "lineSize", "replacement", "hitLatency"]
    static let maximumBytes = 1 << 20

    /// The hierarchy in the file at `path` and the SMT width it asks for (nil: none given).
    /// Defaults: the name is the file's, `coherent` true, `lineSize` 64, `replacement` lru, no L2.
    static func load(_ path: String) throws(FileProblem) -> (hierarchy: MemoryHierarchy, threadsPerCore: Int?) {
        // A hierarchy is a few hundred bytes; a huge file is a mistake, not read into memory.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maximumBytes {
            throw FileProblem("\(path) is \(size) bytes; a hierarchy file has at most \(maximumBytes)")
        }
        guard let bytes = readWholeFile(path) else { throw FileProblem("cannot read \(path): no such file, or not readable") }
        let decoder = JSONDecoder()
        decoder.userInfo[Self.defaultNameKey] = baseName(path)
        let file: Contents
        do {
            file = try decoder.decode(Contents.self, from: Data(bytes))
        } catch let problem as FileProblem {
            throw problem
        } catch let error as DecodingError {
            throw FileProblem(describe(error))
        } catch {
            throw FileProblem("\(error)")
        }
        do { try file.hierarchy.validate() } catch { throw FileProblem(error.message) }
        if let smt = file.threadsPerCore, !(1...2).contains(smt) {
            throw FileProblem("threadsPerCore must be 1 or 2, not \(smt)")
        }
        return (file.hierarchy, file.threadsPerCore)
    }

    /// A sentence for a decoding error: the field's path and what it takes.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            (context.codingPath + (extra.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let field = path(context)
            return "\(field.isEmpty ? "the file" : field) must be \(expected(type))"
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            return "the field \(field) is missing (\(fieldHelp[key.stringValue] ?? "see docs/hierarchy-example.json"))"
        case .dataCorrupted(let context):
            let field = path(context)
            if field.isEmpty { return "not valid JSON (\(context.debugDescription))" }
            return "\(field): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func expected(_ type: Any.Type) -> String {
        if type == Int.self { return "a whole number" }
        if type == String.self { return "text in quotes" }
        if type == Bool.self { return "true or false" }
        return "an object with fields (see docs/hierarchy-example.json)"
    }

    /// What each field holds, for a missing one.
    static let fieldHelp: [String: String] = [
        "l1i": "the instruction cache: an object with size, associativity and hitLatency",
        "l1d": "the data cache: an object with size, associativity and hitLatency",
        "llc": "the shared last-level cache: an object with size, associativity and hitLatency",
        "memoryLatency": "cycles a load that misses every cache costs",
        "cacheToCacheLatency": "cycles a load costs when another core's cache supplies the line",
        "size": "bytes, a power of two",
        "associativity": "ways per set, a power of two from 1 to 64",
        "hitLatency": "cycles a hit costs",
    ]

    static let defaultNameKey = CodingUserInfoKey(rawValue: "defaultName")!

    /// Any key, so unknown ones can be found and named.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func refuseUnknown(_ container: KeyedDecodingContainer<Key>, known: [String]) throws(FileProblem) {
        for key in container.allKeys.map(\.stringValue).sorted() where !known.contains(key) {
            let prefix = container.codingPath.map(\.stringValue).joined(separator: ".")
            throw FileProblem("unknown field \(prefix.isEmpty ? "" : prefix + ".")\(key); the fields are \(known.joined(separator: ", "))")
        }
    }

    struct Contents: Decodable {
        var hierarchy: MemoryHierarchy
        var threadsPerCore: Int?

        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            try refuseUnknown(container, known: topKeys)
            let name = try container.decodeIfPresent(String.self, forKey: Key("name"))
                ?? (decoder.userInfo[defaultNameKey] as? String) ?? "custom"
            let l2 = try container.contains(Key("l2")) && !container.decodeNil(forKey: Key("l2"))
                ? container.decode(Cache.self, forKey: Key("l2")) : nil
            hierarchy = MemoryHierarchy(
                name: name,
                l1i: try container.decode(Cache.self, forKey: Key("l1i")).geometry,
                l1d: try container.decode(Cache.self, forKey: Key("l1d")).geometry,
                l2: l2?.geometry,
                llc: try container.decode(Cache.self, forKey: Key("llc")).geometry,
                memoryLatency: try container.decode(Int.self, forKey: Key("memoryLatency")),
                cacheToCacheLatency: try container.decode(Int.self, forKey: Key("cacheToCacheLatency")),
                coherent: try container.decodeIfPresent(Bool.self, forKey: Key("coherent")) ?? true)
            threadsPerCore = try container.decodeIfPresent(Int.self, forKey: Key("threadsPerCore"))
        }
    }

    struct Cache: Decodable {
        var geometry: CacheGeometry

        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            try refuseUnknown(container, known: cacheKeys)
            let replacementName = try container.decodeIfPresent(String.self, forKey: Key("replacement")) ?? CacheReplacement.lru.rawValue
            guard let replacement = CacheReplacement(rawValue: replacementName) else {
                let field = (container.codingPath.map(\.stringValue) + ["replacement"]).joined(separator: ".")
                throw FileProblem("\(field) must be one of \(CacheReplacement.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(replacementName)\"")
            }
            geometry = CacheGeometry(size: try container.decode(Int.self, forKey: Key("size")),
                                     associativity: try container.decode(Int.self, forKey: Key("associativity")),
                                     lineSize: try container.decodeIfPresent(Int.self, forKey: Key("lineSize")) ?? 64,
                                     replacement: replacement,
                                     hitLatency: try container.decode(Int.self, forKey: Key("hitLatency")))
        }
    }
}

/// What is wrong with a hierarchy file, in one sentence.
struct FileProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
