// The lab's unit: one experiment of the story (DESIGN.md's table) — its name, a one-line
// summary, the chapter it belongs to, the options it takes (and, for each it refuses, one
// sentence saying why), and the function that runs it and returns a Finding. Catalog.swift
// lists them in story order; each lives in a file of its own under Experiments/.

import Kernel
import Machine

/// What a person may set on `interleave lab run`.
public struct LabOptions: Sendable, Equatable {
    /// The first (or only) seed; sweeping experiments run seeds from it on.
    public var seed: UInt64 = 1
    public var harts: Int? = nil
    public var era: Era? = nil
    /// `.small` runs less guest work (tests run in debug builds, ten times slower); every
    /// claim must hold at both sizes.
    public var size: LabSize = .full
    /// `--caches`/`--smt`: the hierarchy and SMT width of every run whose experiment sets
    /// none itself (LabCaches.swift); nil: the experiment's own choice.
    public var memoryHierarchy: MemoryHierarchy? = nil
    public var threadsPerCore: Int? = nil

    public init(seed: UInt64 = 1, harts: Int? = nil, era: Era? = nil, size: LabSize = .full,
                memoryHierarchy: MemoryHierarchy? = nil, threadsPerCore: Int? = nil) {
        self.seed = seed
        self.harts = harts
        self.era = era
        self.size = size
        self.memoryHierarchy = memoryHierarchy
        self.threadsPerCore = threadsPerCore
    }
}

public enum LabSize: Sendable, Equatable { case full, small }

/// The options an experiment may refuse.
public enum LabOption: String, Sendable, CaseIterable {
    case harts, era
}

/// Something the lab cannot do: the message is one sentence a person can act on.
public struct LabError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct Experiment: Sendable {
    /// Its place in the story (1...19).
    public let number: Int
    public let name: String
    /// One line for `lab list`.
    public let summary: String
    /// The era and mechanism it belongs to, as a heading.
    public let chapter: String
    /// Options it cannot take, each with the sentence that says why.
    public let refuses: [LabOption: String]
    /// A check of the values of options it does take (nil: fine).
    let check: @Sendable (LabOptions) -> String?
    /// The experiment itself; nil while it is planned but not yet written.
    let body: (@Sendable (LabContext) throws -> Finding)?

    public init(number: Int, name: String, summary: String, chapter: String, refuses: [LabOption: String] = [:],
                check: @escaping @Sendable (LabOptions) -> String? = { _ in nil },
                body: (@Sendable (LabContext) throws -> Finding)?) {
        self.number = number
        self.name = name
        self.summary = summary
        self.chapter = chapter
        self.refuses = refuses
        self.check = check
        self.body = body
    }

    /// A planned experiment: listed, but not runnable until its file gives it a body.
    static func planned(number: Int, name: String, summary: String, chapter: String) -> Experiment {
        Experiment(number: number, name: name, summary: summary, chapter: chapter, body: nil)
    }

    public var isRunnable: Bool { body != nil }

    /// Throws, with one sentence, when the experiment cannot run with `options`.
    public func validate(_ options: LabOptions) throws(LabError) {
        guard isRunnable else {
            throw LabError("\(name) is not runnable yet: it needs the guest lock library (Guest/Sync), which is still being written")
        }
        if options.harts != nil, let why = refuses[.harts] { throw LabError("\(name) takes no --harts: \(why)") }
        if options.era != nil, let why = refuses[.era] { throw LabError("\(name) takes no --era: \(why)") }
        if let harts = options.harts, harts < 1 || harts > 8 { throw LabError("--harts must be between 1 and 8 in the lab, not \(harts)") }
        if let problem = check(options) { throw LabError(problem) }
    }

    /// Validates the context's options, then runs the experiment.
    public func run(_ context: LabContext) throws -> Finding {
        try validate(context.options)
        guard let body else { throw LabError("\(name) is not runnable yet") }
        var finding = try body(context)
        finding.title = "\(number). \(name) — \(chapter)"
        return finding
    }
}
