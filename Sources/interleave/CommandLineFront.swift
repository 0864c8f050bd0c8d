// The tool's entry point around swift-argument-parser: it parses and runs the command
// itself so that every bad option, in every subcommand, reads the same way and ends with
// status 2:
//
//     interleave run: --harts -1: not accepted (--harts: Harts (cores) … (1...64).)
//     See 'interleave run --help'.
//
// It also lets an option take a negative number (`--harts -1` is the value -1, not a
// missing value) and warns when an argument handed to the program looks like a
// misspelt option.

import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command being run, as the user typed it (`interleave lab run`), for messages.
nonisolated(unsafe) var commandName = "interleave"

enum CommandLineFront {
    /// Parses `arguments`, runs the command and exits with its status.
    static func main(_ arguments: [String]) -> Never {
        let (path, node, consumed) = CommandTree.command(for: arguments)
        commandName = (["interleave"] + path).joined(separator: " ")
        let rest = repairNegativeValues(splitJoinedValues(Array(arguments.dropFirst(consumed)), node: node), node: node)
        var command: ParsableCommand
        do {
            command = try Interleave.parseAsRoot(Array(arguments.prefix(consumed)) + rest)
        } catch {
            finish(error, node: node)
        }
        if let node, node.passesUnknownArguments { warnAboutMisspeltOptions(rest, node: node) }
        do {
            try command.run()
        } catch {
            finish(error, node: node)
        }
        exit(0)
    }

    /// Joins an option and a negative number after it (`--harts -1` → `--harts=-1`), which
    /// the parser would otherwise read as a short option. Nothing after `--` is touched.
    static func repairNegativeValues(_ arguments: [String], node: CommandNode?) -> [String] {
        guard let options = node?.valueOptions else { return arguments }
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return result + arguments[index...] }
            if options.contains(argument), index + 1 < arguments.count, looksNegative(arguments[index + 1]) {
                result.append(argument + "=" + arguments[index + 1])
                index += 2
            } else {
                result.append(argument)
                index += 1
            }
        }
        return result
    }

    /// Splits a one-letter option joined to its value as compilers take them (`-Iinclude`,
    /// `-DNAME=1` → `-I include`, `-D NAME=1`), which the parser would misread when the
    /// value holds `=`. Nothing after `--` is touched.
    static func splitJoinedValues(_ arguments: [String], node: CommandNode?) -> [String] {
        let short = Set((node?.valueOptions ?? []).filter { $0.count == 2 && $0.hasPrefix("-") && $0 != "--" })
        guard !short.isEmpty else { return arguments }
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return result + arguments[index...] }
            let name = String(argument.prefix(2))
            if argument.count > 2, short.contains(name), !looksNegative(argument) {
                result += [name, String(argument.dropFirst(2))]
            } else {
                result.append(argument)
            }
        }
        return result
    }

    /// `-1`, `-0.5`, `-.5`, `-1e3`: a minus sign and then a number.
    static func looksNegative(_ text: String) -> Bool {
        guard text.hasPrefix("-"), let second = text.dropFirst().first else { return false }
        return second.isASCII && (second.isNumber || second == ".")
    }

    /// Warns about each argument (before `--`) that goes to the program but is one edit or
    /// two from an option of the command: `--hart 2` most likely meant `--harts 2`.
    static func warnAboutMisspeltOptions(_ arguments: [String], node: CommandNode) {
        let known = Set(node.allOptions)
        for argument in arguments.prefix(while: { $0 != "--" }) where argument.hasPrefix("--") {
            let typed = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard !known.contains(typed), let nearest = node.nearestOption(to: typed) else { continue }
            printError("\(commandName): warning: \(typed) is not an option of \(commandName), so it goes to the program; did you mean \(nearest)?")
        }
    }

    /// Ends the tool for an error from parsing or running the command.
    static func finish(_ error: Error, node: CommandNode?) -> Never {
        if let code = error as? ExitCode { exit(code.rawValue) }
        let code = Interleave.exitCode(for: error)
        if code == .success { Interleave.exit(withError: error) }   // --help and the like
        let message = Interleave.message(for: error)
        if code == .validationFailure {
            printError("\(commandName): \(describe(message, node: node))")
            printError("See '\(commandName) --help'.")
            exit(ToolStatus.badInput)
        }
        printError("\(commandName): \(message)")
        exit(1)
    }

    /// The parser's message for a bad option, said in the tool's words with what the option
    /// takes; messages from the commands' own checks pass through.
    static func describe(_ message: String, node: CommandNode?) -> String {
        let quoted = message.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        /// `--harts <harts>` → `--harts`.
        func option(_ text: String) -> String { text.split(separator: " ").first.map(String.init) ?? text }
        func help(_ option: String) -> String {
            node?.help(for: option).map { " (\(option): \($0))" } ?? ""
        }
        if message.hasPrefix("Missing value for "), let named = quoted.first {
            return "\(option(named)) needs a value" + help(option(named))
        }
        if message.hasPrefix("The value "), quoted.count >= 2 {
            let value = quoted[0], name = option(quoted[1])
            var choices = message.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { $0.dropFirst(4) }
            // Fewer than six choices come inline: "Please provide one of 'a', 'b' or 'c'."
            if choices.isEmpty, message.contains("Please provide one of '") { choices = quoted.dropFirst(2).map { Substring($0) } }
            if !choices.isEmpty { return "\(name) \(value): not one of \(choices.joined(separator: ", "))" }
            var reason = ""
            if looksNegative(value) { reason = ": it cannot be negative" }
            else if Double(value) != nil, Int(value) == nil { reason = ": it takes a whole number" }
            return "\(name) \(value): not accepted\(reason)" + help(name)
        }
        if message.hasPrefix("Unknown option "), let named = quoted.first {
            let nearest = node?.nearestOption(to: named).map { "; did you mean \($0)?" } ?? ""
            return "\(named) is not an option of \(commandName)\(nearest)"
        }
        if message.hasPrefix("Missing expected argument "), let named = quoted.first {
            return "it needs \(named)" + (node?.help(forArgument: named).map { ": \($0)" } ?? "")
        }
        if message.hasPrefix("Unexpected argument "), let named = quoted.first {
            if let commands = node?.subcommands, !commands.isEmpty {
                return "no command \(named); the commands are \(commands.map(\.commandName).joined(separator: ", "))"
            }
            return "unexpected argument \(named)"
        }
        return message
    }
}
