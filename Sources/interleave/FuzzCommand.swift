import ArgumentParser
struct FuzzCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "fuzz"); func run() throws {} }
