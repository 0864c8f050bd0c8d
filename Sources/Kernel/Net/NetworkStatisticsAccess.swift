// What a machine's network stack counted, for the reports of a run of several machines
// (`interleave run --stats/--json`, Network/ClusterReport.swift).
//
// Part D (command line, statistics) adds this file: a read-only hook on part C's stack.

extension Kernel {
    /// The stack's counts, or nil when the kernel is not on a network.
    public var networkStatistics: NetworkStackStatistics? { networkStack?.statistics }
}
