// A user's source file: its kind by extension, its bytes (read once, for the cache key
// and nothing else), the local headers it includes, and how a program's Swift files
// find their entry point (top-level code, main.swift, @main, or a C `main`).

import Foundation

/// The languages the builder compiles, told apart by file extension.
enum SourceKind: Equatable, Sendable {
    case swift, c, assembly

    init?(path: String) {
        switch (path as NSString).pathExtension {
        case "swift": self = .swift
        case "c": self = .c
        case "S", "s": self = .assembly
        default: return nil
        }
    }
}

/// One source file of the program being built.
struct ProgramSource {
    /// The path as the user gave it (the compilers are given it too, so their messages
    /// name the file the way the user does).
    let path: String
    /// The file name without folders.
    let name: String
    let kind: SourceKind
    let contents: [UInt8]

    /// The file name without its extension ("hello" for hello.swift).
    var stem: String { (name as NSString).deletingPathExtension }
    var text: String { String(decoding: contents, as: UTF8.self) }

    /// Checks the extension and the file, and reads it.
    static func load(_ path: String) throws -> ProgramSource {
        let found = FileSystem.kind(path)
        guard found != .missing else { throw BuildError.missingFile(path) }
        guard found == .file else { throw BuildError.notAFile(path) }
        guard let kind = SourceKind(path: path) else { throw BuildError.unsupportedExtension(path) }
        do {
            return ProgramSource(path: path, name: (path as NSString).lastPathComponent, kind: kind,
                                 contents: try FileSystem.read(path))
        } catch {
            throw BuildError.unreadable(path: path, reason: (error as? FileSystemError)?.message ?? "\(error)")
        }
    }

    /// Local headers this file includes with `#include "name"` (and those they include),
    /// found beside the including file or in `folders` (the -I folders, which `#include
    /// <name>` searches too): their contents belong in the cache key, or editing a header
    /// would not rebuild. Headers found only through the runtime's include folder are
    /// covered by the runtime's own digest, and the C library's by the compiler's identity.
    func localIncludes(searching folders: [String] = []) -> [(path: String, contents: [UInt8])] {
        guard kind != .swift else { return [] }
        var found: [(path: String, contents: [UInt8])] = []
        var seen: Set<String> = []
        var pending: [(folder: String, text: String)] = [((path as NSString).deletingLastPathComponent, text)]
        while let (folder, text) = pending.popLast() {
            for include in ProgramSource.includes(in: text) {
                let beside = include.quoted ? [folder.isEmpty ? include.name : folder + "/" + include.name] : []
                let candidates = beside + folders.map { $0 + "/" + include.name }
                guard let candidate = candidates.first(where: FileSystem.isFile) else { continue }
                let key = FileSystem.realPath(candidate) ?? candidate
                guard !seen.contains(key), let bytes = try? FileSystem.read(candidate) else { continue }
                seen.insert(key)
                found.append((candidate, bytes))
                pending.append(((candidate as NSString).deletingLastPathComponent, String(decoding: bytes, as: UTF8.self)))
            }
        }
        return found
    }

    /// The names in `#include "..."` lines.
    static func quotedIncludes(in text: String) -> [String] {
        includes(in: text).filter(\.quoted).map(\.name)
    }

    /// The names in `#include "..."` and `#include <...>` lines, and which form each used.
    static func includes(in text: String) -> [(name: String, quoted: Bool)] {
        var names: [(name: String, quoted: Bool)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var rest = line.drop { $0 == " " || $0 == "\t" }
            guard rest.first == "#" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard rest.hasPrefix("include") else { continue }
            rest = rest.dropFirst("include".count).drop { $0 == " " || $0 == "\t" }
            guard let open = rest.first, open == "\"" || open == "<" else { continue }
            let closing: Character = open == "<" ? ">" : "\""
            guard let close = rest.dropFirst().firstIndex(of: closing) else { continue }
            names.append((String(rest[rest.index(after: rest.startIndex)..<close]), open == "\""))
        }
        return names
    }

    /// Whether this file, or a local header it includes, includes the guest runtime's
    /// `interleave.h`: then it is written for the small runtime, not for a C library.
    func includesRuntimeHeader(searching folders: [String] = []) -> Bool {
        guard kind != .swift else { return false }
        let texts = [text] + localIncludes(searching: folders).map { String(decoding: $0.contents, as: UTF8.self) }
        return texts.contains { text in
            ProgramSource.includes(in: text).contains { $0.name == "interleave.h" || $0.name.hasSuffix("/interleave.h") }
        }
    }

    /// Whether a C or assembly file defines `main` (so the Swift files are a library): in
    /// C, `int main(...) {` or `void main(...) {` in any layout; in assembly, a `main:` label.
    var definesMain: Bool {
        switch kind {
        case .swift:
            return false
        case .c:
            let tokens = ProgramSource.cTokens(text)
            for index in tokens.indices.dropFirst().dropLast() where tokens[index] == "main" {
                guard tokens[index - 1] == "int" || tokens[index - 1] == "void", tokens[index + 1] == "(" else { continue }
                var depth = 0
                var position = index + 1
                while position < tokens.count {
                    if tokens[position] == "(" { depth += 1 }
                    if tokens[position] == ")" { depth -= 1; if depth == 0 { break } }
                    position += 1
                }
                if position + 1 < tokens.count && tokens[position + 1] == "{" { return true }
            }
            return false
        case .assembly:
            return text.split(whereSeparator: \.isNewline).contains {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("main:")
            }
        }
    }

    /// C text as identifiers and single punctuation characters, comments left out.
    static func cTokens(_ text: String) -> [Substring] {
        var tokens: [Substring] = []
        var index = text.startIndex
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        while index < text.endIndex {
            let c = text[index]
            if text[index...].hasPrefix("//") {
                index = text[index...].firstIndex(where: \.isNewline) ?? text.endIndex
            } else if text[index...].hasPrefix("/*") {
                index = text[text.index(index, offsetBy: 2)...].range(of: "*/")?.upperBound ?? text.endIndex
            } else if isWord(c) {
                let end = text[index...].firstIndex { !isWord($0) } ?? text.endIndex
                tokens.append(text[index..<end])
                index = end
            } else {
                if !c.isWhitespace { tokens.append(text[index...index]) }
                index = text.index(after: index)
            }
        }
        return tokens
    }

    /// Whether a Swift file imports the Sync module (`import Sync`, `import func Sync.exit`,
    /// `@preconcurrency import Sync`, ...). Programs that do not are built and linked
    /// without it, which saves a first build the time of compiling Sync. A mention in a
    /// comment only costs that time; it cannot break the build.
    var importsSync: Bool {
        guard kind == .swift else { return false }
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "let", "var", "actor"]
        let tokens = text.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
        for (index, token) in tokens.enumerated() where token == "import" {
            var next = index + 1
            if next < tokens.count, kinds.contains(tokens[next]) { next += 1 }
            if next < tokens.count, tokens[next] == "Sync" || tokens[next].hasPrefix("Sync.") { return true }
        }
        return false
    }

    /// Whether a Swift file has an `@main` type (then every Swift file is parsed as a library).
    var hasMainAttribute: Bool {
        guard kind == .swift else { return false }
        var search = text[...]
        while let range = search.range(of: "@main") {
            let next = search[range.upperBound...].first
            if next == nil || !(next!.isLetter || next!.isNumber || next! == "_") { return true }
            search = search[range.upperBound...]
        }
        return false
    }

    /// Whether swiftc needs `-parse-as-library` for these sources: yes with an `@main`
    /// type or a C/assembly `main`; no for a single file of top-level code (an ordinary
    /// script) or when one file is named main.swift.
    static func parseAsLibrary(_ sources: [ProgramSource]) throws -> Bool {
        let swift = sources.filter { $0.kind == .swift }
        if swift.isEmpty { return false }
        if swift.contains(where: \.hasMainAttribute) { return true }
        if swift.contains(where: { $0.name == "main.swift" }) { return false }
        if sources.contains(where: \.definesMain) { return true }
        if swift.count == 1 { return false }
        throw BuildError.noEntryPoint(swiftFiles: swift.map(\.path))
    }
}
