// `lab run --caches/--smt`: the options' hierarchy and SMT width reach every run whose
// experiment chose no caches, never more harts per core than the run has, and a run that
// chose its own caches keeps its whole choice.

import Kernel
@testable import Lab
import Machine
import Testing

@Suite("Lab: caches from the options")
struct LabCachesTests {
    let options = LabOptions(memoryHierarchy: MemoryPreset.manyCore.hierarchy, threadsPerCore: 2)

    @Test("a run without caches gets the options' hierarchy and SMT width, at most its harts")
    func runWithoutCaches() {
        var configuration = KernelConfiguration()
        configuration.harts = 4
        options.applyCaches(to: &configuration)
        #expect(configuration.memoryHierarchy == MemoryPreset.manyCore.hierarchy)
        #expect(configuration.threadsPerCore == 2)
        var single = KernelConfiguration()
        options.applyCaches(to: &single)
        #expect(single.threadsPerCore == 1, "one hart cannot hold two hardware threads")
    }

    @Test("a run that chose its caches keeps them and its SMT width; no options change nothing")
    func runWithCaches() {
        var configuration = KernelConfiguration()
        configuration.harts = 2
        configuration.memoryHierarchy = MemoryPreset.core2.hierarchy
        options.applyCaches(to: &configuration)
        #expect(configuration.memoryHierarchy == MemoryPreset.core2.hierarchy)
        #expect(configuration.threadsPerCore == 1)
        var untouched = KernelConfiguration()
        untouched.harts = 2
        LabOptions().applyCaches(to: &untouched)
        #expect(untouched == { var plain = KernelConfiguration(); plain.harts = 2; return plain }())
    }
}
