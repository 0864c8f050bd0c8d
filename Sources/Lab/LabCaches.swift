// `interleave lab run --caches/--smt` (and the tour's): the caches a person asked for go
// to every run of an experiment that does not choose its own, so any chapter of the story
// can be rerun on a 2002, 2006 or current memory hierarchy. Experiments about caches set
// theirs explicitly and keep them.

import Kernel
import Machine

extension LabOptions {
    /// Gives `configuration` the options' hierarchy when it has none, and their SMT width
    /// (at most its harts) when it runs one thread per core.
    func applyCaches(to configuration: inout KernelConfiguration) {
        if configuration.memoryHierarchy == nil, let memoryHierarchy { configuration.memoryHierarchy = memoryHierarchy }
        if configuration.threadsPerCore == 1, let threadsPerCore {
            configuration.threadsPerCore = max(1, min(threadsPerCore, configuration.harts))
        }
    }
}
