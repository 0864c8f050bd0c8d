// Experiment 9, semaphore-pool: planned. It needs the guest lock library (Guest/Sync);
// replace this stub with the experiment (see Race.swift for the shape) — Catalog.swift
// already lists it.

extension Experiment {
    static let semaphorePool = Experiment.planned(
        number: 9, name: "semaphore-pool",
        summary: "A thread pool gated by a counting semaphore keeps N jobs running at once.",
        chapter: "XP: semaphores and a thread pool")
}
