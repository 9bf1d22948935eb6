import ArgumentParser

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sim", abstract: "Simulate the network with the real ledger (in progress).")
    func run() async throws {
        throw ValidationError("the simulator is not built yet")
    }
}
