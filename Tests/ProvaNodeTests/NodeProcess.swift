import Foundation
import ProvaCore
import ProvaTesting
import Testing

/// The `prova` binary run as a real process, for tests that kill it.
final class NodeProcess: @unchecked Sendable {
    let process = Process()
    let output = Pipe()
    private(set) var url: String = ""

    static var executable: URL {
        get throws { try provaExecutable() }
    }

    /// Runs `prova ARGS` to completion and returns its output.
    static func run(_ arguments: [String]) async throws -> String {
        try await offloaded { try runBlocking(arguments) }
    }

    private static func runBlocking(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure("prova \(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }

    /// Starts `prova node run` and returns once it prints the address it listens on (waiting off the cooperative pool).
    static func start(dataDirectory: URL) async throws -> NodeProcess {
        try await offloaded { try NodeProcess(dataDirectory: dataDirectory) }
    }

    private init(dataDirectory: URL) throws {
        process.executableURL = try Self.executable
        process.arguments = ["node", "run", "--data-dir", dataDirectory.path, "--listen", "127.0.0.1:0", "--log-level", "warning"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = ""
        while !buffer.contains("\n") || !buffer.contains("listening on ") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("the node exited before listening: \(buffer)") }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = buffer.split(separator: "\n").first(where: { $0.contains("listening on ") }),
              let range = line.range(of: "http://") else { throw TestFailure("unexpected node output: \(buffer)") }
        url = String(line[range.lowerBound...])
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// Waits (off the cooperative pool) until the process has exited; returns its status.
    func exited() async throws -> Int32 {
        try await offloaded { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    func terminate() async -> Int32 {
        process.terminate()
        return (try? await offloaded { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }) ?? -1
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
