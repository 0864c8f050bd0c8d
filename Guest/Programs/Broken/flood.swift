// Broken on purpose: prints without end. The kernel cuts output at the limit
// (--max-output-mib, 64 MiB by default) and stops the program (status 153).

let line = String(repeating: "all work and no play ", count: 10)
var count = 0
while true {
    print("\(count) \(line)")
    count += 1
}
