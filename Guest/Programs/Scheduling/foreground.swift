// Foreground boost: two copies of this program compute side by side. The first program
// (pid 1) is the foreground one, unless it is named "pass…": then it hands the
// foreground to pid 2 first, as a user clicking the other window would. Under an era
// with a foreground boost (win95, xp) the foreground copy runs at a higher priority and
// ends first; without one (server) the two share the hart.

import Sync

@inline(never)
func spin(_ rounds: Int) -> UInt64 {
    var value: UInt64 = 1
    for round in 0..<rounds { value = value &* 6_364_136_223_846_793_005 &+ UInt64(round) }
    return value
}

let name = System.arguments.first ?? "program"
if name.hasPrefix("pass") { try! Scheduling.setForeground(2) }
let result = spin(300_000)
print("\(name) done \(result & 0xF)")
