// The registry: every experiment of the story, in story order. Each is a static member
// defined in a file of its own under Experiments/; a planned one is a stub there
// (Experiment.planned), so making it runnable changes that one file and nothing else.

public enum Catalog {
    public static let experiments: [Experiment] = [
        .singleTasking, .cooperative, .preemptive, .virtualMemory, .race,
        .brokenLock, .spinning, .fairness, .semaphorePool,
        .multicoreRace, .tickless, .threadStacks, .gil, .foregroundBoost,
        .caches, .falseSharing, .smt, .migration, .coherence,
        .eventLoop, .selectLimit, .workers,
        .offMachine, .explore, .races, .partition, .starvation,
        .gpuSharing, .workerAffinity,
    ].sorted { $0.number < $1.number }

    public static func experiment(named name: String) -> Experiment? {
        experiments.first { $0.name == name }
    }

    /// The names, for "no experiment named X; the experiments are: …".
    public static var names: [String] { experiments.map(\.name) }
}
