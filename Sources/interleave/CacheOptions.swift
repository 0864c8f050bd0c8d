// The memory hierarchy's options, shared by `run`, `machine run`, `lab run` and `tour`: --caches picks a
// preset, off (the default: every access costs the same, as before caches existed) or a
// JSON file; --coherence turns MESI off to show what it is for; --smt pairs harts into
// cores. `run` adds --c2c and --trace-coherence (RunCommand.swift).

import ArgumentParser
import Kernel
import Lab
import Machine

enum CoherenceSetting: String, ExpressibleByArgument, CaseIterable {
    case on, off
}

struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Caches: a preset, off (the default: no caches, every access costs one cycle) or a JSON file describing a hierarchy (docs/hierarchy-example.json).",
                               discussion: CacheOptions.presetList, valueName: "preset|off|file.json"))
    var caches: String = "off"

    @Option(help: "Keep the private caches coherent with MESI: on (the default) or off (each core keeps stale copies until a trap flushes them); needs --caches.")
    var coherence: CoherenceSetting?

    @Option(help: "Hardware threads per core: 1, or 2 (SMT: harts 2k and 2k+1 share core k's caches and issue slot); default: the preset's, at most --harts.")
    var smt: Int?

    /// One line per preset for --help: its name and summary.
    static let presetList: String = {
        let width = MemoryPreset.all.map(\.name.count).max() ?? 0
        return "Presets:\n" + MemoryPreset.all.map { preset in
            "  " + preset.name + String(repeating: " ", count: width - preset.name.count) + "  " + preset.summary
                + (preset.threadsPerCore > 1 ? " (--smt \(preset.threadsPerCore))" : "")
        }.joined(separator: "\n")
    }()

    /// What --caches names: "off", a preset, or else a file.
    var isOff: Bool { caches == "off" }

    func validate() throws {
        if let smt, !(1...2).contains(smt) { throw ValidationError("--smt must be 1 or 2, not \(smt)") }
        if isOff, coherence != nil { throw ValidationError("--coherence needs caches: add --caches PRESET (\(CacheOptions.presetNames)) or --caches FILE.json") }
        _ = try resolvedHierarchy()
    }

    static var presetNames: String { MemoryPreset.all.map(\.name).joined(separator: ", ") }

    /// The hierarchy --caches and --coherence describe (nil: off), and the SMT width its preset
    /// or file gives (nil: none).
    func resolvedHierarchy() throws -> (hierarchy: MemoryHierarchy, threadsPerCore: Int?)? {
        if isOff { return nil }
        var result: (hierarchy: MemoryHierarchy, threadsPerCore: Int?)
        if let preset = MemoryPreset.named(caches) {
            result = (preset.hierarchy, preset.threadsPerCore)
        } else if caches.hasSuffix(".json") || caches.contains("/") || readWholeFile(caches) != nil {
            do { result = try HierarchyFile.load(caches) } catch { throw ValidationError("--caches \(caches): \(error.message)") }
        } else {
            throw ValidationError("--caches \(caches): not one of off, \(CacheOptions.presetNames), or a JSON file (no file \(caches))")
        }
        if let coherence { result.hierarchy.coherent = coherence == .on }
        return result
    }

    /// Sets the configuration's hierarchy and hardware threads per core for `harts` harts:
    /// --smt if given (at most --harts), else the preset's width as far as the harts allow.
    func apply(to configuration: inout KernelConfiguration, harts: Int) throws {
        guard let (hierarchy, presetWidth) = try resolvedHierarchy() else {
            configuration.memoryHierarchy = nil
            configuration.threadsPerCore = try threadsPerCore(harts: harts, presetWidth: nil)
            return
        }
        configuration.memoryHierarchy = hierarchy
        configuration.threadsPerCore = try threadsPerCore(harts: harts, presetWidth: presetWidth)
    }

    /// The same for a bare machine (`machine run`).
    func apply(to configuration: inout MachineConfiguration) throws {
        var kernel = KernelConfiguration()
        try apply(to: &kernel, harts: configuration.hartCount)
        configuration.memoryHierarchy = kernel.memoryHierarchy
        configuration.threadsPerCore = kernel.threadsPerCore
    }

    /// The lab's options with these caches: each run that sets none gets them (LabCaches.swift).
    func labOptions(_ options: LabOptions) throws -> LabOptions {
        var options = options
        let resolved = try resolvedHierarchy()
        options.memoryHierarchy = resolved?.hierarchy
        options.threadsPerCore = smt ?? resolved?.threadsPerCore
        return options
    }

    func threadsPerCore(harts: Int, presetWidth: Int?) throws -> Int {
        if let smt {
            guard smt <= harts else { throw ValidationError("--smt \(smt) needs at least \(smt) harts: add --harts \(smt) or more") }
            return smt
        }
        return max(1, min(presetWidth ?? 1, harts))
    }
}
