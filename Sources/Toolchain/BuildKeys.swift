// The build cache's keys: SHA-256 over everything that decides what a build produces.
//
//   runtime   the toolchain's identity, the C flags, every Guest/Runtime file
//   sync      the toolchain, all flags and the optimisation level, every Guest/Runtime
//             and Guest/Sync file
//   program   all of the above, plus how the entry point is found, the -I and -D flags,
//             and each source's file name and contents with the local headers it includes
//
// Fields are length-prefixed, so no two different inputs can hash the same bytes.

import Foundation

/// The three cache keys of one build.
struct BuildKeys {
    var runtime: String
    var sync: String
    var program: String

    init(builder: GuestBuilder, sources: [ProgramSource], optimization: GuestOptimization, parseAsLibrary: Bool,
         cOptions: CBuildOptions = CBuildOptions(), debugInfo: Bool = true) throws {
        var runtimeDigest = SHA256()
        try builder.guest.digest(of: builder.guest.runtimeDirectory, into: &runtimeDigest)
        let runtimeFiles = runtimeDigest.finalize()
        var syncDigest = SHA256()
        try builder.guest.digest(of: builder.guest.syncDirectory, into: &syncDigest)
        let syncFiles = syncDigest.finalize()

        var hasher = SHA256()
        hasher.update(field: "runtime")
        hasher.update(field: BuildRecipe.builderVersion + " " + BuildRecipe.cFlags(debugInfo: debugInfo).joined(separator: " "))
        hasher.update(field: builder.toolchain.identity)
        hasher.update(field: runtimeFiles)
        runtime = hasher.hexDigest()

        hasher = SHA256()
        hasher.update(field: "sync")
        hasher.update(field: BuildRecipe.fingerprint(optimization, debugInfo: debugInfo))
        hasher.update(field: builder.toolchain.identity)
        hasher.update(field: runtimeFiles)
        hasher.update(field: syncFiles)
        sync = hasher.hexDigest()

        hasher = SHA256()
        hasher.update(field: "program")
        hasher.update(field: BuildRecipe.fingerprint(optimization, debugInfo: debugInfo))
        hasher.update(field: builder.toolchain.identity)
        hasher.update(field: runtimeFiles)
        hasher.update(field: syncFiles)
        hasher.update(field: parseAsLibrary ? "library" : "script")
        hasher.update(field: cOptions.compilerFlags.joined(separator: " "))
        for source in sources {
            hasher.update(field: source.name)
            hasher.update(field: source.contents)
            for header in source.localIncludes(searching: cOptions.includeFolders) {
                hasher.update(field: (header.path as NSString).lastPathComponent)
                hasher.update(field: header.contents)
            }
        }
        program = hasher.hexDigest()
    }
}
