// One program of several started together (single-tasking tests): it says it started,
// sleeps (so another program could run meanwhile, if the scheduler let it), and says
// it ended.

import Sync

let name = System.arguments.first ?? "program"
print("\(name) starts")
System.sleep(nanoseconds: 2_000_000)
print("\(name) ends")
