// Bounded search: every schedule with at most K preemptions, for K = 0, 1, 2, … (iterative
// context bounding, as CHESS: Musuvathi and Qadeer, PLDI 2007), depth-first over the tree
// of decisions, re-running the program from its start (its snapshot) for each schedule.
// Sleep sets (Godefroid 1996) skip schedules that only reorder independent operations:
// after a choice has been explored, a sibling's subtree need not run it first again until
// something it conflicts with has run.

/// Depth-first, preemption-bounded search with sleep sets.
public struct BoundedSearch: ScheduleStrategy {
    public struct Options: Sendable, Equatable {
        /// The largest K tried. The search stops earlier when a level's tree had no choice
        /// that the bound cut off (a larger K would run the same schedules).
        public var maxPreemptions: Int
        /// Partial-order reduction; off only to measure what it saves.
        public var sleepSets: Bool
        public var shard: Shard
        /// A shard owns a subtree by its choices at the first `shardDepth` nodes with more
        /// than one choice (shallower runs are owned by the key of their whole path).
        public var shardDepth: Int

        public init(maxPreemptions: Int = 2, sleepSets: Bool = true, shard: Shard = .whole, shardDepth: Int = 3) {
            self.maxPreemptions = max(maxPreemptions, 0)
            self.sleepSets = sleepSets
            self.shard = shard
            self.shardDepth = max(shardDepth, 1)
        }
    }

    /// One schedule point on the current path. Nodes are reused between runs (their
    /// arrays keep capacity), so a run allocates only when it goes deeper than any before.
    struct Node {
        var enabled: [UInt32] = []
        var next: [Footprint] = []
        var sleep: [UInt32] = []
        var sleepNext: [Footprint] = []
        var candidates: [UInt32] = []
        var done: [UInt32] = []
        var chosen: UInt32 = 0
        var runningEnabled = false
        var running: UInt32 = 0
        var preemptionsBefore = 0
        var branchOrdinal = 0          // nodes with more than one candidate above this one
        var keyBefore: UInt64 = 0

        var branching: Bool { candidates.count > 1 }
        var chosenIsPreemption: Bool { runningEnabled && chosen != running }
        var keyAfter: UInt64 {
            guard branching, let j = candidates.firstIndex(of: chosen) else { return keyBefore }
            return mix64(keyBefore &+ UInt64(j) &+ 1)
        }
        func footprint(of thread: UInt32) -> Footprint {
            for i in enabled.indices where enabled[i] == thread { return next[i] }
            return .local
        }
    }

    public let options: Options
    /// The preemption bound of the level being explored.
    public private(set) var bound = 0
    /// True once the search has run every schedule it will.
    public private(set) var finished = false
    /// Set when a replayed prefix met a point where its recorded thread was not enabled:
    /// the runner is not deterministic (or not restored to the same state).
    public private(set) var diverged = false
    private var nodes: [Node] = []
    private var used = 0
    private var started = false
    private var boundPruned = false

    public init(options: Options = Options()) {
        self.options = options
    }

    public mutating func beginRun() -> Bool {
        if finished { return false }
        if !started {
            started = true
            return true
        }
        while used > 0 {
            if let next = nextCandidate(of: used - 1) {
                nodes[used - 1].chosen = next
                return true
            }
            used -= 1
        }
        if boundPruned && bound < options.maxPreemptions {
            bound += 1
            boundPruned = false
            return true
        }
        finished = true
        return false
    }

    /// Marks the node's current choice explored and picks its next candidate in this shard.
    private mutating func nextCandidate(of n: Int) -> UInt32? {
        nodes[n].done.append(nodes[n].chosen)
        for t in nodes[n].candidates where !nodes[n].done.contains(t) {
            if isShardDecision(n), !owns(node: n, choosing: t) {
                nodes[n].done.append(t)   // another shard's: its sleep-set effect stays the same
                continue
            }
            return t
        }
        return nil
    }

    private func isShardDecision(_ n: Int) -> Bool {
        options.shard.count > 1 && nodes[n].branching && nodes[n].branchOrdinal == options.shardDepth - 1
    }

    private func owns(node n: Int, choosing t: UInt32) -> Bool {
        guard let j = nodes[n].candidates.firstIndex(of: t) else { return false }
        return options.shard.owns(key: mix64(nodes[n].keyBefore &+ UInt64(j) &+ 1))
    }

    public mutating func choose(_ point: SchedulePoint, step: Int) -> Choice {
        if step < used {
            let chosen = nodes[step].chosen
            guard point.index(of: chosen) != nil else {
                diverged = true
                return .abandon
            }
            return .run(chosen)
        }
        guard step == used else { return .abandon }
        if nodes.count == used { nodes.append(Node()) }
        var node = nodes[used]
        nodes[used] = Node()        // take the storage out, so the writes below do not copy
        node.enabled.removeAll(keepingCapacity: true)
        node.next.removeAll(keepingCapacity: true)
        node.sleep.removeAll(keepingCapacity: true)
        node.sleepNext.removeAll(keepingCapacity: true)
        node.candidates.removeAll(keepingCapacity: true)
        node.done.removeAll(keepingCapacity: true)
        node.enabled.append(contentsOf: point.enabled)
        node.next.append(contentsOf: point.next)
        node.runningEnabled = point.runningIsEnabled
        node.running = point.running ?? 0
        if used > 0 {
            let parent = nodes[used - 1]
            node.preemptionsBefore = parent.preemptionsBefore + (parent.chosenIsPreemption ? 1 : 0)
            node.branchOrdinal = parent.branchOrdinal + (parent.branching ? 1 : 0)
            node.keyBefore = parent.keyAfter
            if options.sleepSets {
                let ran = parent.footprint(of: parent.chosen)
                for (t, f) in zip(parent.sleep, parent.sleepNext) where !f.conflicts(with: ran) {
                    node.sleep.append(t)
                    node.sleepNext.append(f)
                }
                for t in parent.done where t != parent.chosen {
                    let f = parent.footprint(of: t)
                    if !f.conflicts(with: ran) && !node.sleep.contains(t) {
                        node.sleep.append(t)
                        node.sleepNext.append(f)
                    }
                }
            }
        } else {
            node.preemptionsBefore = 0
            node.branchOrdinal = 0
            node.keyBefore = 0
        }
        // Candidates: the running thread first (the choice that costs no preemption), then
        // the others by id; asleep threads and preemptions past the bound left out.
        if node.runningEnabled, !node.sleep.contains(node.running) {
            node.candidates.append(node.running)
        }
        for t in point.enabled where !(node.runningEnabled && t == node.running) && !node.sleep.contains(t) {
            if node.runningEnabled && node.preemptionsBefore + 1 > bound {
                boundPruned = true
                continue
            }
            node.candidates.append(t)
        }
        nodes[used] = node
        used += 1
        let n = used - 1
        for t in nodes[n].candidates {
            if isShardDecision(n), !owns(node: n, choosing: t) {
                nodes[n].done.append(t)
                continue
            }
            nodes[n].chosen = t
            return .run(t)
        }
        used -= 1                   // asleep, cut by the bound, or another shard's
        return .abandon
    }

    public mutating func endRun(failed: Bool) {}

    /// Whether the run that just ended is this shard's. A run whose path passed the shard's
    /// decision node is (the search chose only owned subtrees); a shallower one is owned by
    /// the key of its whole path, so exactly one shard counts it.
    ///
    /// Level K's tree holds every schedule with at most K preemptions, so a run with fewer
    /// than K ran at an earlier level: it is not counted again (each schedule counts once).
    public var ownsCurrentRun: Bool {
        guard used > 0 else { return true }
        let last = nodes[used - 1]
        if last.preemptionsBefore + (last.chosenIsPreemption ? 1 : 0) < bound { return false }
        guard options.shard.count > 1 else { return true }
        if last.branchOrdinal > options.shardDepth - 1 || isShardDecision(used - 1) { return true }
        return options.shard.owns(key: last.keyAfter ^ 0xE0D)
    }
}
