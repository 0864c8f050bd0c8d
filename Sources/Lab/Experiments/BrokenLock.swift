// Experiment 6, broken-lock: planned. It needs the guest lock library (Guest/Sync);
// replace this stub with the experiment (see Race.swift for the shape) — Catalog.swift
// already lists it.

extension Experiment {
    static let brokenLock = Experiment.planned(
        number: 6, name: "broken-lock",
        summary: "A lock made of plain loads and stores lets two threads in at once.",
        chapter: "XP: a lock built from loads and stores is racy")
}
