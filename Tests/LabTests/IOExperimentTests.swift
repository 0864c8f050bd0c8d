// The claims of the I/O experiments (event-loop, select-limit, workers), checked on what
// each measured — simulated figures only, at the small size (event-loop at 100 and 1,000
// connections; its 10,000 figures are in the README). Skipped, with a note, when no
// toolchain is found.

import Testing
@testable import Lab

@Suite struct IOExperiments {
    @Test(.needsGuestToolchain) func selectRefusesDescriptor1024AndPollsCostGrowsWhileEpollsDoesNot() throws {
        let finding = try LabSupport.finding("select-limit")
        #expect(finding["select below limit"] == 1, "select watches a descriptor below 1024")
        #expect(finding["select at limit"] == -22, "and refuses descriptor 1024 with EINVAL")
        #expect(Int(finding["poll at limit revents"]) & 1 == 1, "poll sees descriptor 1024 readable")
        #expect(Int(finding["epoll at limit events"]) & 1 == 1, "so does epoll")
        let idle = [16, 64, 256, 1024]
        let poll = idle.map { finding["poll \($0) cycles"] }, epoll = idle.map { finding["epoll \($0) cycles"] }
        for index in 1..<idle.count {
            #expect(poll[index] > 2 * poll[index - 1], "poll's cost grows with the idle descriptors")
        }
        #expect(poll[3] > 10 * poll[0])
        #expect((epoll.max() ?? 0) <= 1.1 * (epoll.min() ?? 0), "epoll's does not")
        #expect(poll[3] > 20 * epoll[3], "at 1,024 idle descriptors poll costs far more than epoll")
        // select scans as poll does (and its caller rebuilds its sets): it grows too, below the limit.
        #expect(finding["select 256 cycles"] > 3 * finding["select 16 cycles"])
        #expect(finding.figure("select 1024 cycles") == nil, "select cannot be measured past its limit")
        #expect(finding.plot?.series.count == 3)
    }

    @Test(.needsGuestToolchain) func workersOverEveryChannelDoEveryJobRightAndFasterInProcessesOfTheirOwn() throws {
        let finding = try LabSupport.finding("workers")
        let jobs = finding["jobs"], workers = finding["workers"]
        for channel in ["pipe", "unix", "tcp"] {
            #expect(finding["\(channel) jobs"] == jobs, "\(channel): every job done")
            #expect(finding["\(channel) wrong"] == 0, "\(channel): every job answered once")
            #expect(finding["\(channel) sum matches"] == 1, "\(channel): the results sum to the farm alone's")
            #expect(finding["\(channel) speed-up"] > 2, "\(channel): three workers beat the farm alone, channel and all")
            #expect(finding["\(channel) failed workers"] == 0)
            #expect(finding["\(channel) processes"] == workers + 1, "\(channel): the farm and each worker a process of its own")
            #expect(finding["\(channel) fewest jobs per worker"] >= jobs / workers / 2, "\(channel): every worker takes its share")
            #expect(finding["\(channel) jobs per second"] > 0)
            #expect(finding["\(channel) p99 µs"] >= finding["\(channel) p50 µs"])
        }
    }

    @Test(.needsGuestToolchain) func theEventLoopNeedsFarLessMemoryAndFarFewerSwitchesThanAThreadPerConnection() throws {
        let finding = try LabSupport.finding("event-loop")
        let requests = finding["requests per connection"]
        for connections in [100.0, 1000.0] {
            for mode in ["epoll", "threads"] {
                let key = "\(mode) \(Int(connections))"
                #expect(finding["\(key) requests"] == connections * requests, "\(key): every request answered")
                #expect(finding["\(key) served"] == connections * requests)
                #expect(finding["\(key) p99 µs"] >= finding["\(key) p50 µs"])
            }
            let epoll = "epoll \(Int(connections))", threads = "threads \(Int(connections))"
            #expect(finding["\(epoll) threads"] == 1, "the event loop is one thread")
            #expect(finding["\(threads) threads"] == connections + 1, "a thread per connection, and main")
        }
        // At 1,000 connections: 1,000 stacks reserved against one, many times the memory touched,
        // a switch or more per request against a few per batch.
        #expect(finding["threads 1000 reserved"] >= 8 * finding["epoll 1000 reserved"])
        #expect(finding["threads 1000 touched"] >= 3 * finding["epoll 1000 touched"])
        #expect(finding["threads 1000 switches"] >= 5 * finding["epoll 1000 switches"])
        #expect(finding["threads 1000 switches"] >= 1000 * requests, "every request costs the threads a switch")
        // The loop's memory hardly grows with the connections; the threads' grows with each.
        #expect(finding["epoll 1000 reserved"] == finding["epoll 100 reserved"])
        #expect(finding["threads 1000 reserved"] - finding["threads 100 reserved"] == 900 * finding["stack KiB"] * 1024)
        // And the loop answers at least as fast.
        #expect(finding["epoll 1000 requests per second"] >= finding["threads 1000 requests per second"])
    }
}
