// Broken on purpose: never finishes. The instruction limit (--max-instructions) stops
// it with a report that says where it was spinning (status 152).

@inline(never)
func spin() -> Int {
    var counter = 0
    while counter >= 0 { counter = (counter &+ 1) & 0x7FFF_FFFF }
    return counter
}
print("spinning")
print("\(spin())")
