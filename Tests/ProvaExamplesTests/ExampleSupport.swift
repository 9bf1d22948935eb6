import Foundation
import ProvaSandbox
import ProvaTesting
import Testing

/// Shared helpers for the example tests: the build scripts, the manifests they write, one image
/// store and one runc runtime per test process.
enum Examples {
    /// The repository root (this file is Tests/ProvaExamplesTests/ExampleSupport.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func directory(_ example: String) -> URL {
        repositoryRoot.appendingPathComponent("examples").appendingPathComponent(example)
    }

    /// Where build.sh leaves its outputs by default (and where `.ci/run` builds them first).
    static func buildDirectory(_ example: String) -> URL {
        directory(example).appendingPathComponent("build")
    }

    // MARK: prerequisites

    /// Records a clear issue and throws when the host cannot run real containers.
    static func requireSandboxHost() throws {
        guard getuid() == 0 else {
            Issue.record("the example tests must run as root: runc and the /output tmpfs need it")
            throw ExampleError("not root")
        }
        guard RuncRuntime(stateRoot: scratchRoot, seccompProfile: nil).isAvailable else {
            Issue.record("runc is not installed: the example tests run real containers. Run `apt-get install -y runc`.")
            throw ExampleError("runc is not installed")
        }
        guard FileManager.default.fileExists(atPath: SeccompProfile.containersDefaultPath) else {
            Issue.record(
                "\(SeccompProfile.containersDefaultPath) is missing: run `apt-get install -y golang-github-containers-common`.")
            throw ExampleError("no seccomp profile")
        }
    }

    // MARK: building

    /// Runs `examples/<name>/build.sh` at most once per test process; it exits at once when its
    /// recipe is unchanged. A failure is recorded with the tail of the build log.
    static func build(_ example: String) async throws -> Manifest {
        try await builds.build(example)
    }

    private static let builds = BuildCache()

    private actor BuildCache {
        private var tasks: [String: Task<Manifest, any Error>] = [:]

        func build(_ example: String) async throws -> Manifest {
            if let task = tasks[example] { return try await task.value }
            let task = Task { try await offloaded { try Examples.runBuild(example) } }
            tasks[example] = task
            return try await task.value
        }
    }

    private static func runBuild(_ example: String) throws -> Manifest {
        let script = directory(example).appendingPathComponent("build.sh")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw ExampleError("\(script.path) is missing")
        }
        let log = try scratch("build-\(example)").appendingPathComponent("build.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
            Issue.record("examples/\(example)/build.sh failed with exit \(process.terminationStatus). Last lines of its log:\n\(tail)")
            throw ExampleError("examples/\(example)/build.sh failed")
        }
        print("examples/\(example)/build.sh finished in \(started.duration(to: clock.now)):\n\(text)")
        let manifestURL = buildDirectory(example).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            Issue.record("examples/\(example)/build.sh succeeded but wrote no \(manifestURL.path)")
            throw ExampleError("no manifest")
        }
        var manifest = try JSONDecoder().decode(Manifest.self, from: data)
        manifest.directory = buildDirectory(example)
        return manifest
    }

    // MARK: running

    static let store = ImageStore(root: scratchRoot.appendingPathComponent("images"), diskBudgetBytes: 8 << 30)

    /// The image's root file system, imported through ProvaSandbox's ImageStore (digest checked).
    static func rootfs(_ program: Manifest.Program, in manifest: Manifest) async throws -> URL {
        try await store.rootfs(forArchive: manifest.url(program.archive), expectedDigest: program.digest)
    }

    static func runtime() throws -> RuncRuntime {
        try requireSandboxHost()
        return RuncRuntime(
            stateRoot: scratchRoot.appendingPathComponent("runc-state"),
            seccompProfile: try SeccompProfile.containersDefault())
    }

    struct Run {
        var result: RunResult
        /// The files the program left in /output.
        var output: URL

        var stderrText: String { String(decoding: result.stderr, as: UTF8.self) }

        func summary(_ label: String) -> String {
            "\(label): exit \(result.exitCode), timedOut \(result.timedOut), oomKilled \(result.oomKilled), "
                + "wall \(result.wallMilliseconds) ms, cpu \(result.cpuMilliseconds) ms, "
                + "peak memory \(result.peakMemoryBytes / (1 << 20)) MiB; stderr:\n\(stderrText)"
        }
    }

    /// Runs `command` in the image `rootfs` with `input` at /input and, for verifiers, `proof` at /proof.
    static func run(
        _ rootfs: URL, command: [String], input: URL, proof: URL? = nil, environment: [String] = [],
        limits: RunLimits
    ) async throws -> Run {
        let base = try scratch("run")
        let work = base.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let output = base.appendingPathComponent("output")
        let spec = RunSpec(
            rootfs: rootfs, command: command, environment: environment, inputDirectory: input,
            outputDirectory: output, proofDirectory: proof, limits: limits, workingDirectory: work)
        let result = try await runtime().run(spec)
        return Run(result: result, output: output)
    }

    static func limits(cpus: Int64, memory: Int64, time: Int64, tmp: Int64 = 64 << 20, output: Int64 = 64 << 20) -> RunLimits {
        RunLimits(
            cpuMillicores: cpus * 1000, memoryBytes: memory, pids: 512, timeLimitSeconds: time, killGraceSeconds: 2,
            outputBytesLimit: output, tmpBytesLimit: tmp, logBytesLimit: 256 << 10)
    }

    /// A fresh directory holding `files` (name -> contents).
    static func directory(with files: [String: Data]) throws -> URL {
        let directory = try scratch("dir")
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    // MARK: scratch space

    /// This process's scratch area; areas of earlier, finished test processes are removed first.
    static let scratchRoot: URL = {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("prova-examples-tests")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
            if name.hasPrefix("pid-"), let pid = Int32(name.dropFirst(4)), kill(pid, 0) == 0 { continue }
            try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
        }
        return base.appendingPathComponent("pid-\(getpid())")
    }()

    static func scratch(_ label: String) throws -> URL {
        let url = scratchRoot.appendingPathComponent(label + "-" + UUID().uuidString.lowercased())
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// What build.sh writes to manifest.json. Paths are relative to the manifest's directory.
struct Manifest: Decodable, Sendable {
    struct Program: Decodable, Sendable {
        var archive: String
        /// `sha256:<hex>` of the archive file.
        var digest: String
        var command: [String]
        var environment: [String]
    }

    struct Defaults: Decodable, Sendable {
        /// Cores.
        var cpus: Int64
        /// Bytes.
        var memory: Int64
        /// Seconds.
        var time: Int64
    }

    var name: String
    var prover: Program
    var verifier: Program
    var liar: Program?
    var failing: Program?
    /// The sample input: a file (ezkl: input.json, to be placed at /input/input.json) or a directory (hashchain).
    var input: String
    /// Prover run resources.
    var defaults: Defaults
    var verifierDefaults: Defaults
    var recipeKey: String

    /// Set after decoding: the directory the manifest was read from.
    var directory: URL = URL(fileURLWithPath: "/")

    enum CodingKeys: String, CodingKey {
        case name, prover, verifier, liar, failing, input, defaults, verifierDefaults, recipeKey
    }

    func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }
}

struct ExampleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a host program and returns its exit status and combined output (test helpers only).
func runHost(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
