/// Runs one program in a sandbox. `RuncRuntime` is the real one; a microVM backend can be added later.
public protocol Runtime: Sendable {
    func run(_ spec: RunSpec) async throws -> RunResult
}
