// Experiment 13, gil: planned. It needs the guest lock library (Guest/Sync);
// replace this stub with the experiment (see Race.swift for the shape) — Catalog.swift
// already lists it.

extension Experiment {
    static let gil = Experiment.planned(
        number: 13, name: "gil",
        summary: "A global interpreter lock: no speed-up from threads, but I/O still overlaps.",
        chapter: "Python: the global interpreter lock")
}
