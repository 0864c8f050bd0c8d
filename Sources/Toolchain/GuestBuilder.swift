// Builds a guest program — Swift, C and assembly files in any mix — into a RISC-V ELF
// linked with the guest runtime (and the Sync module when the program imports it),
// following BuildRecipe. The cache (BuildCache, keyed by BuildKeys) holds the runtime's
// objects, the Sync module and each linked program, so repeated work disappears:
// a warm build reads the sources, hashes them and finds the ELF without starting any
// process. A cold one runs its compilers as a small graph on every core (ToolSession):
// the Sync interface, then the program's Swift, beside the clang runs; then ld.lld.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a build produced.
public struct BuildResult: Sendable, Equatable {
    /// The linked ELF: the `output` path when one was given, else the file in the cache.
    public let elfPath: String
    /// True when the program came from the cache without compiling anything.
    public let cached: Bool
    /// Compiler and linker processes this build started (0 for a cached program).
    public let toolRuns: Int
}

/// Cross-compiles guest programs with a Swift toolchain and keeps the results in a cache.
public struct GuestBuilder: Sendable {
    /// The compilers and libraries used.
    public let toolchain: Toolchain
    /// The runtime and Sync sources linked into every program.
    public let guest: GuestSources
    /// Where built runtimes, Sync modules and programs are kept.
    public let cache: BuildCache
    /// The riscv64 cross gcc and glibc for standard C; nil: found when a program needs it.
    public let linuxCToolchain: LinuxCToolchain?

    /// - Parameters:
    ///   - guestRoot: the Guest folder; by default located as `GuestSources.locate` says.
    ///   - cacheDirectory: by default `BuildCache.defaultDirectory()`.
    ///   - linuxCToolchain: by default `LinuxCToolchain.locate()`, when a program first needs it.
    public init(toolchain: Toolchain, guestRoot: String? = nil, cacheDirectory: String? = nil,
                linuxCToolchain: LinuxCToolchain? = nil) throws {
        self.toolchain = toolchain
        self.linuxCToolchain = linuxCToolchain
        self.guest = try guestRoot.map { try GuestSources(root: $0) } ?? GuestSources.locate()
        self.cache = BuildCache(directory: cacheDirectory ?? BuildCache.defaultDirectory())
    }

    /// Builds `sources` (paths to .swift, .c, .S or .s files) into one program: against
    /// glibc for standard C, else with the small runtime (see `CBuildOptions`).
    /// - Parameters:
    ///   - c: -I folders and -D macros for the C compiler, and the C library.
    ///   - output: where to put the ELF; by default it stays in the cache.
    ///   - debugInfo: source lines (DWARF line tables) in the ELF, for reports; glibc
    ///     programs always have them (gcc's -g, which does not change their code).
    ///   - progress: told one line per step as it starts ("compiling hello.swift (swiftc -O)…"),
    ///     and any warnings the compilers print; nothing at all for a cached program.
    public func build(
        sources paths: [String],
        optimization: GuestOptimization = .speed,
        c options: CBuildOptions = CBuildOptions(),
        output: String? = nil,
        debugInfo: Bool = true,
        progress: (String) -> Void = { _ in }
    ) throws -> BuildResult {
        guard !paths.isEmpty else { throw BuildError.noSources }
        try options.validate()
        let sources = try paths.map(ProgramSource.load)
        if try options.library(for: sources) == .glibc {
            return try buildAgainstGlibc(sources, options: options, optimization: optimization, output: output, progress: progress)
        }
        let parseAsLibrary = try ProgramSource.parseAsLibrary(sources)
        let keys = try BuildKeys(builder: self, sources: sources, optimization: optimization, parseAsLibrary: parseAsLibrary,
                                 cOptions: options, debugInfo: debugInfo)
        let elfName = sources[0].stem + ".elf"

        if let entry = cache.lookup(.programs, key: keys.program, required: [elfName]) {
            return BuildResult(elfPath: try deliver(entry + "/" + elfName, to: output), cached: true, toolRuns: 0)
        }

        cache.removeAbandonedWork()
        let built = try withoutActuallyEscaping(progress) { progress in
            try compileAndLink(sources, keys: keys, optimization: optimization, parseAsLibrary: parseAsLibrary,
                               cFlags: options.compilerFlags, elfName: elfName, debugInfo: debugInfo, progress: progress)
        }
        return BuildResult(elfPath: try deliver(built.path, to: output), cached: false, toolRuns: built.toolRuns)
    }

    /// The cold path: compiles what the cache lacks, links, and publishes the program.
    /// The jobs, in priority order (the longest chain first):
    ///   Sync module interface → program Swift;  runtime and program C;  link.
    private func compileAndLink(
        _ sources: [ProgramSource], keys: BuildKeys, optimization: GuestOptimization, parseAsLibrary: Bool,
        cFlags userFlags: [String], elfName: String, debugInfo: Bool, progress: @escaping (String) -> Void
    ) throws -> (path: String, toolRuns: Int) {
        let swiftFlags = BuildRecipe.swiftFlags(optimization, debugInfo: debugInfo)
        let cFlags = BuildRecipe.cFlags(debugInfo: debugInfo)
        let programSwift = sources.filter { $0.kind == .swift }
        let work = try cache.makeWorkDirectory()
        defer { FileSystem.remove(work) }
        var jobs: [Job] = []
        func add(_ job: Job) -> Int {
            jobs.append(job)
            return jobs.count - 1
        }

        // The Sync module, when the program imports it.
        let usesSync = programSwift.contains(where: \.importsSync)
        let syncRequired = ["Sync.swiftmodule"]
        var syncFolder = usesSync ? cache.lookup(.sync, key: keys.sync, required: syncRequired) : nil
        var syncWork: String?
        var syncJobs: [Int] = []
        let syncFiles = guest.syncSources().map { guest.syncDirectory + "/" + $0 }
        if usesSync && syncFolder == nil {
            guard !syncFiles.isEmpty else {
                throw BuildError.guestSourcesIncomplete("the program imports Sync, but \(guest.syncDirectory) has no .swift files")
            }
            let folder = try cache.makeWorkDirectory()
            syncWork = folder
            syncFolder = folder
            let common = swiftFlags + ["-parse-as-library", "-module-name", "Sync"]
            syncJobs.append(add(Job(
                invocation: ToolInvocation(name: "swiftc", executable: toolchain.swiftc,
                                           arguments: common + ["-emit-module", "-emit-module-path", folder + "/Sync.swiftmodule"] + syncFiles,
                                           logPath: work + "/sync-module.log"),
                announcement: "compiling the Sync module (\(syncFiles.count) file\(syncFiles.count == 1 ? "" : "s"), swiftc \(optimization.swiftFlag))…",
                finishesAfterFailure: true)))
        }
        defer { if let syncWork { FileSystem.remove(syncWork) } }

        // The program's Swift: one whole-module swiftc run.
        var objects: [String] = []
        if !programSwift.isEmpty {
            var arguments = swiftFlags + (parseAsLibrary ? ["-parse-as-library"] : []) + ["-module-name", "main"]
            if let syncFolder { arguments += ["-I", syncFolder] }
            arguments += ["-c", "-o", work + "/program-swift.o"] + programSwift.map(\.path)
            _ = add(Job(
                invocation: ToolInvocation(name: "swiftc", executable: toolchain.swiftc, arguments: arguments,
                                           logPath: work + "/program-swift.log"),
                dependencies: syncJobs,
                announcement: "compiling \(programSwift.map(\.name).joined(separator: ", ")) (swiftc \(optimization.swiftFlag))…"))
            objects.append(work + "/program-swift.o")
        }
        // No Sync object: Embedded Swift compiles what a program uses from a module it
        // imports into the program itself (from the module's serialised SIL), so the link
        // needs only the program's object — and the program waits only for the interface.

        // The runtime's C and assembly.
        let runtimeFolder: String
        var runtimeWork: String?
        var runtimeJobs: [Int] = []
        var runtimeObjects: [String] = []
        if let entry = cache.lookup(.runtime, key: keys.runtime, required: ["objects"]) {
            runtimeFolder = entry
            let listed = (try? String(contentsOfFile: entry + "/objects", encoding: .utf8)) ?? ""
            runtimeObjects = listed.split(separator: "\n").map(String.init)
        } else {
            let files = guest.runtimeSources()
            guard !files.isEmpty else {
                throw BuildError.guestSourcesIncomplete("\(guest.runtimeDirectory) has no .c, .S or .s files")
            }
            let folder = try cache.makeWorkDirectory()
            runtimeWork = folder
            runtimeFolder = folder
            for (number, file) in files.enumerated() {
                let object = file.replacingOccurrences(of: "/", with: "_") + ".o"
                runtimeObjects.append(object)
                runtimeJobs.append(add(Job(
                    invocation: clangInvocation(guest.runtimeDirectory + "/" + file, object: folder + "/" + object, flags: cFlags,
                                                log: work + "/runtime-" + object + ".log"),
                    announcement: number == 0 ? "compiling the guest runtime (\(files.joined(separator: ", ")); clang -O2)…" : nil,
                    finishesAfterFailure: true)))
            }
        }
        defer { if let runtimeWork { FileSystem.remove(runtimeWork) } }
        objects = runtimeObjects.map { runtimeFolder + "/" + $0 } + objects

        // The program's C and assembly.
        for (index, source) in sources.enumerated() where source.kind != .swift {
            let object = work + "/\(index)-\(source.stem).o"
            objects.append(object)
            _ = add(Job(invocation: clangInvocation(source.path, object: object, flags: cFlags, log: object + ".log", extra: userFlags),
                        announcement: "compiling \(source.name) (clang -O2)…"))
        }

        // The link, after everything else.
        _ = add(Job(
            invocation: ToolInvocation(
                name: "ld.lld", executable: toolchain.lld,
                arguments: BuildRecipe.linkFlags(script: guest.linkerScript) + objects
                    + [toolchain.unicodeDataTables, "-o", work + "/" + elfName],
                logPath: work + "/link.log"),
            dependencies: Array(jobs.indices),
            announcement: "linking \(elfName) (ld.lld)…"))

        let temporary = work + "/tmp"
        do {
            try FileSystem.createDirectory(temporary)
        } catch let error as FileSystemError {
            throw BuildError.cannotWrite(path: error.path, reason: error.message)
        }
        for index in jobs.indices { jobs[index].invocation.temporaryDirectory = temporary }
        let session = ToolSession(progress: progress)
        let parallel = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var failure: Error?
        do {
            try session.run(jobs, parallel: parallel)
        } catch {
            failure = error
        }
        // Keep what was built even when the program itself failed: fixing a typo should
        // not rebuild the runtime and the Sync module.
        if let folder = runtimeWork, runtimeJobs.allSatisfy(session.succeeded.contains) {
            do {
                try Data((runtimeObjects.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/objects"))
            } catch {
                throw BuildError.cannotWrite(path: folder + "/objects", reason: error.localizedDescription)
            }
            _ = try cache.publish(folder, as: .runtime, key: keys.runtime, required: ["objects"])
            runtimeWork = nil
        }
        if let folder = syncWork, syncJobs.allSatisfy(session.succeeded.contains) {
            _ = try cache.publish(folder, as: .sync, key: keys.sync, required: syncRequired)
            syncWork = nil
        }
        if let failure { throw failure }

        let package = try cache.makeWorkDirectory()
        if rename(work + "/" + elfName, package + "/" + elfName) != 0 {
            FileSystem.remove(package)
            throw BuildError.cannotWrite(path: package, reason: String(cString: strerror(errno)))
        }
        let entry = try cache.publish(package, as: .programs, key: keys.program, required: [elfName])
        return (entry + "/" + elfName, session.started)
    }

    private func clangInvocation(_ source: String, object: String, flags: [String], log: String, extra: [String] = []) -> ToolInvocation {
        ToolInvocation(name: "clang", executable: toolchain.clang,
                       arguments: flags + extra + ["-I", guest.includeDirectory, source, "-o", object],
                       logPath: log)
    }

    /// Copies the ELF to `output` when one was asked for; returns where the ELF is.
    func deliver(_ elf: String, to output: String?) throws -> String {
        guard let output else { return elf }
        do {
            try FileSystem.copyAtomically(elf, to: output)
        } catch let error as FileSystemError {
            throw BuildError.cannotWrite(path: output, reason: error.message)
        }
        return output
    }
}
