// Recursion and deep stacks: Ackermann, a 100,000-deep recursive sum (several MiB of
// stack frames), mutual recursion, and backtracking (eight queens). Exits with status 3
// so the exit code is compared too.

import Sync

@inline(never)
func deepSum(_ n: Int) -> Int { n == 0 ? 0 : n + deepSum(n - 1) }

func ackermann(_ m: Int, _ n: Int) -> Int {
    if m == 0 { return n + 1 }
    if n == 0 { return ackermann(m - 1, 1) }
    return ackermann(m - 1, ackermann(m, n - 1))
}

func isEven(_ n: Int) -> Bool { n == 0 ? true : isOdd(n - 1) }
func isOdd(_ n: Int) -> Bool { n == 0 ? false : isEven(n - 1) }

func queens(_ size: Int) -> Int {
    var columns = [Bool](repeating: false, count: size)
    var diagonals = [Bool](repeating: false, count: 2 * size)
    var antiDiagonals = [Bool](repeating: false, count: 2 * size)
    func place(_ row: Int) -> Int {
        if row == size { return 1 }
        var count = 0
        for column in 0..<size where !columns[column] && !diagonals[row + column] && !antiDiagonals[row - column + size] {
            columns[column] = true; diagonals[row + column] = true; antiDiagonals[row - column + size] = true
            count += place(row + 1)
            columns[column] = false; diagonals[row + column] = false; antiDiagonals[row - column + size] = false
        }
        return count
    }
    return place(0)
}

func fibonacci(_ n: Int) -> Int { n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2) }

print("deep sum \(deepSum(100_000))")
print("ackermann(2, 3) = \(ackermann(2, 3)), ackermann(3, 3) = \(ackermann(3, 3))")
print("isEven(10001) \(isEven(10001))")
print("eight queens: \(queens(8)) solutions")
print("fibonacci(24) = \(fibonacci(24))")
System.exit(3)
