// Replaying a token: the options a token carries (everything in the kernel's
// configuration that changes how a schedule unfolds), and the handler that makes a kernel
// follow the token's decisions strictly, so `interleave run FILE --replay TOKEN` gives the
// failing run byte for byte with any view, or says clearly where it could not.

import Kernel

/// The configuration fields a token carries, by key. Keys never change meaning (a token
/// printed today must replay the same run later); new fields take new keys.
public enum ReplayConfiguration {
    enum Key: UInt8 {
        case harts = 1, seed, memoryLimit, instructionLimit, granularity, jitter
        case scheduling, sliceCycles, tickCycles, clockFrequency, stackLimit
        case switchCost, addressSpaceSwitchCost, outputLimit, threadLimit
    }

    /// The options of `configuration` that shape a run, for a token.
    public static func options(of configuration: KernelConfiguration) -> [ReplayOption] {
        var options: [(Key, UInt64)] = [
            (.harts, UInt64(clamping: configuration.harts)),
            (.seed, configuration.seed),
            (.memoryLimit, configuration.memoryLimit),
            (.instructionLimit, configuration.instructionLimit),
            (.granularity, UInt64(clamping: configuration.granularity)),
            (.jitter, configuration.jitter),
            (.clockFrequency, configuration.clockFrequency),
            (.stackLimit, configuration.stackLimit),
            (.switchCost, configuration.switchCost),
            (.addressSpaceSwitchCost, configuration.addressSpaceSwitchCost),
            (.outputLimit, configuration.outputLimit),
            (.threadLimit, UInt64(clamping: configuration.threadLimit)),
        ]
        switch configuration.scheduling {
        case .singleTasking: options.append((.scheduling, 0))
        case .cooperative: options.append((.scheduling, 1))
        case .roundRobin(let slice, let tick):
            options.append((.scheduling, 2))
            options.append((.sliceCycles, slice))
            if let tick { options.append((.tickCycles, tick)) }
        }
        return options.map { ReplayOption(key: $0.0.rawValue, value: $0.1) }
    }

    /// Sets the token's options on `configuration` (the command line's, so what the token
    /// does not hold stays as given). A value out of its range is refused, never trusted.
    public static func apply(_ options: [ReplayOption], to configuration: inout KernelConfiguration) throws(ReplayTokenError) {
        func small(_ option: ReplayOption, _ range: ClosedRange<Int>) throws(ReplayTokenError) -> Int {
            guard option.value <= UInt64(range.upperBound), Int(option.value) >= range.lowerBound else {
                throw .valueTooLarge("option \(option.key)", option.value)
            }
            return Int(option.value)
        }
        func positive(_ option: ReplayOption) throws(ReplayTokenError) -> UInt64 {
            guard option.value >= 1 else { throw .valueTooLarge("option \(option.key)", option.value) }
            return option.value
        }
        var schedulingKind: UInt64? = nil
        var slice: UInt64? = nil
        var tick: UInt64? = nil
        for option in options {
            guard let key = Key(rawValue: option.key) else { continue }   // a later version's: ignored
            switch key {
            case .harts: configuration.harts = try small(option, 1...64)
            case .seed: configuration.seed = option.value
            case .memoryLimit: configuration.memoryLimit = try positive(option)
            case .instructionLimit: configuration.instructionLimit = try positive(option)
            case .granularity: configuration.granularity = try small(option, 1...(1 << 30))
            case .jitter: configuration.jitter = option.value
            case .clockFrequency: configuration.clockFrequency = try positive(option)
            case .stackLimit: configuration.stackLimit = try positive(option)
            case .switchCost: configuration.switchCost = option.value
            case .addressSpaceSwitchCost: configuration.addressSpaceSwitchCost = option.value
            case .outputLimit: configuration.outputLimit = try positive(option)
            case .threadLimit: configuration.threadLimit = try small(option, 1...(1 << 20))
            case .scheduling: schedulingKind = UInt64(try small(option, 0...2))
            case .sliceCycles: slice = try positive(option)
            case .tickCycles: tick = try positive(option)
            }
        }
        switch schedulingKind {
        case 0?: configuration.scheduling = .singleTasking
        case 1?: configuration.scheduling = .cooperative
        case 2?:
            guard let slice else { throw .truncated("the time slice of its round-robin scheduling") }
            configuration.scheduling = .roundRobin(sliceCycles: slice, tickCycles: tick)
        default: break
        }
    }
}

/// Makes a kernel follow recorded decisions strictly: at a point where the recorded thread
/// cannot run, the run is abandoned and `divergedAt` says where. Attach as the kernel's
/// `schedulePointHandler` (its configuration has `exploration.schedulePoints` on).
public final class ReplayHandler: SchedulePointHandler {
    private let handler: ExploreHandler<ReplayStrategy>

    public init(decisions: [UInt32]) {
        handler = ExploreHandler(strategy: ReplayStrategy(decisions: decisions, strict: true))
        _ = handler.beginRun()
    }

    public func choose(_ query: ScheduleQuery) -> ScheduleAnswer {
        handler.choose(query)
    }

    /// The first schedule point whose recorded thread could not run, if any.
    public var divergedAt: Int? { handler.explorer.strategy.divergedAt }

    /// Schedule points the run passed.
    public var steps: Int { handler.explorer.record.decisions.count }
}
