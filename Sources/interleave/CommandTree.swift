// The commands and options the tool accepts, read from swift-argument-parser's own
// description of them, so the error formatter, the negative-number repair and the
// misspelt-option warning never keep a second list that could drift from the real one.

import ArgumentParser
import Foundation

/// One command of the tree (`interleave`, `run`, `lab run` …) with its options.
struct CommandNode: Decodable {
    struct Name: Decodable {
        var kind: String
        var name: String

        /// As typed on the command line: `--harts`, `-O`, `-Osize`.
        var spelled: String { kind == "long" ? "--" + name : "-" + name }
    }

    struct Argument: Decodable {
        var kind: String                      // "positional", "option" or "flag"
        var names: [Name]?
        var abstract: String?
        var parsingStrategy: String?
        var valueName: String?
    }

    var commandName: String
    var arguments: [Argument]?
    var subcommands: [CommandNode]?

    /// Every spelling of the options that take a value (`--harts`).
    var valueOptions: [String] {
        (arguments ?? []).filter { $0.kind == "option" }.flatMap { ($0.names ?? []).map(\.spelled) }
    }

    /// Every spelling of every option and flag.
    var allOptions: [String] {
        (arguments ?? []).filter { $0.kind != "positional" }.flatMap { ($0.names ?? []).map(\.spelled) }
    }

    /// True when the command hands the arguments it does not know to a program (`run`).
    var passesUnknownArguments: Bool {
        (arguments ?? []).contains { $0.parsingStrategy == "allUnrecognized" }
    }

    /// The one-line help of the option spelled `option`, if the command has it.
    func help(for option: String) -> String? {
        (arguments ?? []).first { ($0.names ?? []).contains { $0.spelled == option } }?.abstract
    }

    /// The one-line help of the positional argument shown as `<name>`.
    func help(forArgument name: String) -> String? {
        (arguments ?? []).first { $0.kind == "positional" && "<\($0.valueName ?? "")>" == name }?.abstract
    }

    /// The command's own option nearest to `word` (a misspelling of it), or nil when none
    /// is close: at most one edit for short names, two for names of six letters or more.
    func nearestOption(to word: String) -> String? {
        let typed = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
        guard typed.hasPrefix("--"), typed.count > 2 else { return nil }
        let bare = String(typed.dropFirst(2))
        let allowed = bare.count >= 6 ? 2 : 1
        let candidates = allOptions.filter { $0.hasPrefix("--") }.map { ($0, editDistance(bare, String($0.dropFirst(2)))) }
        guard let best = candidates.filter({ $0.1 <= allowed }).min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else {
            return nil
        }
        return best.0
    }
}

enum CommandTree {
    /// The whole tree, as the argument parser describes it.
    static let root: CommandNode? = {
        struct Dump: Decodable { var command: CommandNode }
        return try? JSONDecoder().decode(Dump.self, from: Data(Interleave._dumpHelp().utf8)).command
    }()

    /// The command that `arguments` name (`["lab", "run", "race"]` → lab run) and how many
    /// leading arguments named it. The root takes no options, so the names come first.
    static func command(for arguments: [String]) -> (path: [String], node: CommandNode?, consumed: Int) {
        var node = root
        var path: [String] = []
        for argument in arguments {
            guard let next = node?.subcommands?.first(where: { $0.commandName == argument }) else { break }
            node = next
            path.append(argument)
        }
        return (path, node, path.count)
    }
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [Int](repeating: 0, count: b.count + 1)
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        previous2 = previous
        previous = current
    }
    return previous[b.count]
}
