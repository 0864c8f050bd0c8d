// Experiment 7, spinning: planned. It needs the guest lock library (Guest/Sync);
// replace this stub with the experiment (see Race.swift for the shape) — Catalog.swift
// already lists it.

extension Experiment {
    static let spinning = Experiment.planned(
        number: 7, name: "spinning",
        summary: "A spin lock burns the CPU its holder needs; cycles wasted spinning, counted.",
        chapter: "XP: spinning wastes CPU")
}
