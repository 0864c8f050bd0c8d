// Experiment 8, fairness: planned. It needs the guest lock library (Guest/Sync);
// replace this stub with the experiment (see Race.swift for the shape) — Catalog.swift
// already lists it.

extension Experiment {
    static let fairness = Experiment.planned(
        number: 8, name: "fairness",
        summary: "Test-and-set has no queue and starves threads; a ticket lock serves them in turn.",
        chapter: "XP: fair locks (ticket, queue)")
}
