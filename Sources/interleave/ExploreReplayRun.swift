// `interleave run FILE --replay TOKEN`: the run follows a replay token's schedule (printed
// by `interleave explore`), with the token's options, so the failing run comes back byte
// for byte under any view (--timeline, --trace, --svg). A token for another program, one
// that does not parse, or a schedule the program no longer follows is a clear error.

import ArgumentParser
import Explore
import Kernel

extension RunCommand {
    /// With --replay: checks the token against the program, applies its options, turns
    /// schedule points on, and gives the handler to attach. Nil without --replay.
    func replayHandler(for executable: [UInt8], name: String, configuration: inout KernelConfiguration) throws -> ReplayHandler? {
        guard let replay else { return nil }
        guard extraProgramFiles.isEmpty, !isCluster else {
            throw fail("--replay replays one program on one machine: give one FILE, as `interleave explore` ran it")
        }
        let token: ReplayToken
        do { token = try ReplayToken(parsing: replay) } catch { throw fail("--replay: \(error)") }
        do { try token.check(programHash: ReplayToken.programHash(of: executable)) } catch {
            throw fail("--replay: \(error); this is \(name) as built now: the token replays only the build `interleave explore` ran")
        }
        do { try ReplayConfiguration.apply(token.options, to: &configuration) } catch { throw fail("--replay: \(error)") }
        configuration.exploration.schedulePoints = true
        return ReplayHandler(decisions: token.decisions)
    }

    /// After a replayed run: an error when the run could not follow the token's schedule.
    func checkReplay(_ handler: ReplayHandler?, kernel: Kernel) throws {
        guard let handler else { return }
        if let step = handler.divergedAt ?? (kernel.explorationAbandoned ? handler.steps : nil) {
            throw fail("--replay: the run left the token's schedule at schedule point \(step) (the thread it names cannot run there): "
                       + "were the program's arguments or options other than when `interleave explore` made it?")
        }
    }
}
