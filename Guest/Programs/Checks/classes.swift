// Classes, inheritance, protocols with generics, closures that capture, enums with
// payloads, and deinitialisers — the reference-counted heap at work.

nonisolated(unsafe) var deinitialised = 0

class Shape {
    let name: String
    init(name: String) { self.name = name }
    func area() -> Double { 0 }
    deinit { deinitialised += 1 }
}

final class Circle: Shape {
    let radius: Double
    init(radius: Double) { self.radius = radius; super.init(name: "circle") }
    override func area() -> Double { 3.141592653589793 * radius * radius }
}

final class Rectangle: Shape {
    let width: Double, height: Double
    init(width: Double, height: Double) { self.width = width; self.height = height; super.init(name: "rectangle") }
    override func area() -> Double { width * height }
}

protocol Describable { var summary: String { get } }
struct Point: Describable, Hashable { var x: Int, y: Int; var summary: String { "(\(x), \(y))" } }
func describeAll<T: Describable>(_ items: [T]) -> String { items.map { $0.summary }.joined(separator: " ") }

enum Expression {
    case number(Int)
    indirect case add(Expression, Expression)
    indirect case multiply(Expression, Expression)
    func evaluate() -> Int {
        switch self {
        case .number(let value): value
        case .add(let left, let right): left.evaluate() + right.evaluate()
        case .multiply(let left, let right): left.evaluate() * right.evaluate()
        }
    }
}

do {
    var shapes: [Shape] = []
    for index in 1...100 {
        shapes.append(index % 2 == 0 ? Circle(radius: Double(index)) : Rectangle(width: Double(index), height: 2))
    }
    let total = shapes.reduce(0.0) { $0 + $1.area() }
    print("\(shapes.count) shapes, total area \(total), first \(shapes[0].name), last \(shapes[99].name)")
}
print("deinitialised \(deinitialised)")

func makeCounter() -> () -> Int {
    var count = 0
    return { count += 1; return count }
}
let counter = makeCounter()
for _ in 0..<9 { _ = counter() }
print("counter \(counter())")
let adders = (1...5).map { n in { (x: Int) in x + n } }
print("adders " + adders.map { "\($0(10))" }.joined(separator: " "))
print("points \(describeAll([Point(x: 1, y: 2), Point(x: -3, y: 4)]))")
print("unique points \(Set([Point(x: 1, y: 1), Point(x: 1, y: 1), Point(x: 2, y: 1)]).count)")
let expression = Expression.add(.number(2), .multiply(.number(3), .add(.number(4), .number(5))))
print("expression \(expression.evaluate())")

var list: Node? = nil
for value in 0..<1000 { list = Node(value: value, next: list) }
var length = 0, cursor = list
while let node = cursor { length += node.value; cursor = node.next }
print("linked list sum \(length)")

final class Node {
    let value: Int
    let next: Node?
    init(value: Int, next: Node?) { self.value = value; self.next = next }
}
