// `interleave lab run --caches/--smt` (and the tour's): the caches a person asked for go
// to every run of an experiment that does not choose its own, so any chapter of the story
// can be rerun on a 2002, 2006 or current memory hierarchy. Experiments about caches set
// theirs explicitly and keep them, SMT width included.

import Kernel
import Machine

extension LabOptions {
    /// Gives a run with no hierarchy of its own the options' hierarchy and SMT width (at
    /// most its harts); a run that chose its caches keeps its whole choice.
    func applyCaches(to configuration: inout KernelConfiguration) {
        guard configuration.memoryHierarchy == nil else { return }
        if let memoryHierarchy { configuration.memoryHierarchy = memoryHierarchy }
        if let threadsPerCore { configuration.threadsPerCore = max(1, min(threadsPerCore, configuration.harts)) }
    }
}
