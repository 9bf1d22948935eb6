import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// `prova devnet` run as a real process in a temporary directory, driven through the real CLI.
final class DevnetProcess: @unchecked Sendable {
    let home: URL
    let process = Process()
    let output = Pipe()
    private(set) var url = ""
    /// Every validator's URL (`prova devnet` prints them as `validators: URL URL …`).
    private(set) var validators: [String] = []
    let dataDirectory: URL

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var executable: URL {
        get throws { try provaExecutable() }
    }

    /// Starts the devnet and returns once it is ready; the waiting happens off the cooperative thread pool.
    /// With `validators` > 1, a cluster devnet on free fixed ports (etcd members and one validator process each).
    static func start(validators: Int = 1) async throws -> DevnetProcess {
        try await offloaded { try DevnetProcess(validators: validators) }
    }

    private init(validators count: Int) throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("prova-e2e-\(UUID().uuidString)")
        dataDirectory = home.appendingPathComponent("devnet")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        process.executableURL = try Self.executable
        let port = count == 1 ? 0 : try LoopbackPorts.freeBase(count: count)
        process.arguments = ["devnet", "--fresh", "--port", "\(port)", "--validators", "\(count)", "--data-dir", dataDirectory.path, "--log-level", "error"]
        process.environment = ProcessInfo.processInfo.environment.merging(["PROVA_HOME": home.path]) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        var buffer = ""
        while !buffer.contains("devnet ready at ") || !buffer.hasSuffix("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Failure("the devnet exited before it was ready:\n\(buffer)") }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = buffer.split(separator: "\n").last(where: { $0.hasPrefix("devnet ready at ") }) else { throw Failure(buffer) }
        url = String(line.dropFirst("devnet ready at ".count))
        validators = buffer.split(separator: "\n").first { $0.hasPrefix("validators: ") }
            .map { $0.dropFirst("validators: ".count).split(separator: " ").map(String.init) } ?? [url]
    }

    /// The nodes the CLI and the SDK are given: every validator.
    var nodes: String { validators.joined(separator: ",") }

    /// Crashes validator `index` of a cluster devnet (SIGKILL), as a failing machine would.
    func killValidator(_ index: Int) throws {
        let file = dataDirectory.appendingPathComponent("logs/validator-\(index).pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure("no process ID of validator \(index) in \(file.path)")
        }
        guard kill(pid, SIGKILL) == 0 else { throw Failure("validator \(index) (pid \(pid)) could not be killed") }
    }

    func stop() async {
        process.interrupt()
        _ = try? await offloaded { [process] in process.waitUntilExit() }
        // PROVA_KEEP_DEVNET=1 keeps the directory (every validator's and etcd member's log) for a look after a failure.
        guard ProcessInfo.processInfo.environment["PROVA_KEEP_DEVNET"] == nil else { return print("devnet kept in \(home.path)") }
        try? FileManager.default.removeItem(at: home)
    }

    /// Runs the CLI against this devnet; returns (exit status, output).
    func cli(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offloaded { try self.runCLI(arguments) }
    }

    /// Runs the CLI with its standard output and standard error apart (a command's answer, and its warnings).
    func cliSplit(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await offloaded { try self.runCLISplit(arguments) }
    }

    private func runCLISplit(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let command = Process()
        command.executableURL = try Self.executable
        command.arguments = arguments
        command.environment = ProcessInfo.processInfo.environment.merging(["PROVA_HOME": home.path, "PROVA_NODE": nodes]) { $1 }
        command.currentDirectoryURL = Self.repository
        let out = Pipe()
        let err = Pipe()
        command.standardOutput = out
        command.standardError = err
        try command.run()
        // Standard error is read on its own thread so that neither pipe fills while the other is read.
        let errors = Thread.detachedRead(err.fileHandleForReading)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        command.waitUntilExit()
        return (command.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errors.wait(), as: UTF8.self))
    }

    private func runCLI(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let command = Process()
        command.executableURL = try Self.executable
        command.arguments = arguments
        command.environment = ProcessInfo.processInfo.environment.merging(["PROVA_HOME": home.path, "PROVA_NODE": nodes]) { $1 }
        command.currentDirectoryURL = Self.repository
        let pipe = Pipe()
        command.standardOutput = pipe
        command.standardError = pipe
        try command.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        command.waitUntilExit()
        return (command.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs the CLI and decodes its `--json` output.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
        let result = try await cli(arguments + ["--json"])
        guard result.status == 0 else { throw Failure("prova \(arguments.joined(separator: " ")) failed: \(result.output)") }
        do { return try JSONDecoder().decode(type, from: Data(result.output.utf8)) } catch {
            throw Failure("prova \(arguments.joined(separator: " ")) printed no \(T.self): \(result.output.prefix(2_000))")
        }
    }

    func client() throws -> ProvaClient { try ProvaClient(node: nodes) }

    /// Deploys an example program from its built manifest and returns the program ID.
    func deploy(example: String, prover: String = "prover", name: String) async throws -> ProgramID {
        let build = Self.repository.appendingPathComponent("examples/\(example)/build")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: build.appendingPathComponent("manifest.json"))) as? [String: Any] ?? [:]
        func command(_ role: String) throws -> String {
            let entry = manifest[role] as? [String: Any] ?? [:]
            return String(decoding: try JSONSerialization.data(withJSONObject: entry["command"] ?? []), as: UTF8.self)
        }
        let archive = { (role: String) in build.appendingPathComponent((manifest[role] as? [String: Any])?["archive"] as? String ?? "").path }
        let defaults = manifest["defaults"] as? [String: Any] ?? [:]
        let verifier = manifest["verifierDefaults"] as? [String: Any] ?? [:]
        let status = try await json(TransactionStatus.self, [
            "program", "deploy", "--name", name, "--prover", archive(prover), "--verifier", archive("verifier"),
            "--prover-command", try command(prover), "--verifier-command", try command("verifier"),
            "--cpus", "\(defaults["cpus"] ?? 1)", "--memory", "\(defaults["memory"] ?? 268435456)", "--time", "\(defaults["time"] ?? 60)",
            "--verifier-cpus", "\(verifier["cpus"] ?? 1)", "--verifier-memory", "\(verifier["memory"] ?? 268435456)",
            "--verifier-time", "\(verifier["time"] ?? 60)", "--key", "dev",
        ])
        guard let id = status.outcome?.created else { throw Failure("the deploy created no program") }
        return id
    }

    /// Builds an example's images (cached by its recipe).
    static func buildExample(_ name: String) async throws {
        try await offloaded { try runBuild(name) }
    }

    private static func runBuild(_ name: String) throws {
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/bin/bash")
        build.arguments = [repository.appendingPathComponent("examples/\(name)/build.sh").path]
        let pipe = Pipe()
        build.standardOutput = pipe
        build.standardError = pipe
        try build.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        guard build.terminationStatus == 0 else {
            throw Failure("examples/\(name)/build.sh failed:\n\(String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(40).joined(separator: "\n"))")
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A pipe drained to its end on a thread of its own.
final class DetachedRead: @unchecked Sendable {
    // @unchecked: `data` is written once by the reading thread before `done` is signalled, and read only after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

extension Thread {
    static func detachedRead(_ handle: FileHandle) -> DetachedRead { DetachedRead(handle) }
}
