public import Foundation

/// Runs blocking work (waiting for a process, reading a pipe to its end) on a thread of its own, so it never holds
/// one of the few threads of Swift's cooperative pool: on a 2-core machine two such waits would stall every other
/// async task of the test process — sandbox watchdogs and servers included.
public func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// The `prova` executable SwiftPM built next to the running test bundle, for tests that start real processes.
public func provaExecutable() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [directory, directory.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("prova")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw ProvaExecutableMissing(directory: directory.path)
}

public struct ProvaExecutableMissing: Error, CustomStringConvertible {
    public let directory: String
    public var description: String { "the prova executable is not built next to the tests (\(directory)); run `swift build` first" }
}
