public import Foundation
import ProvaCore
public import ProvaSandbox

/// A `Runtime` whose programs are Swift closures instead of containers.
///
/// Why it exists: the worker's own logic (accept, run, upload, vote, restart, drain) does not depend on what runs the
/// program, so tests of that logic should run anywhere, as an ordinary user without runc — and the very same tests run
/// against `RuncRuntime` where root and runc are present. For that, a scripted run does everything the worker can
/// observe of a runc run, through the sandbox's own code where there is one:
///
/// - the spec is validated and the environment built by the same `RunSpec` rules (a bad spec fails the same way);
/// - the program's files go where a container's `/output` is bound (a per-run bundle under `workingDirectory`) and are
///   collected into `outputDirectory` by `OutputCollector`, so paths, sizes and digests are reported identically;
/// - stdout and stderr are kept up to `logBytesLimit` and hashed in full;
/// - a program still running at the time limit is stopped there as the watchdog stops a container (SIGTERM: exit
///   143, `timedOut`), and leaves no outputs;
/// - a cancelled run ends with `SandboxError` `cancelled`, as a killed container does (plain `CancellationError` when it
///   is cancelled before it starts), and leaves nothing behind.
public struct ScriptedRuntime: Runtime {
    public let program: ScriptedProgram

    public init(_ program: ScriptedProgram) { self.program = program }

    public init(_ script: @escaping @Sendable (ScriptedRun) async throws -> ScriptedOutcome) { self.program = ScriptedProgram(script) }

    public func run(_ spec: RunSpec) async throws -> RunResult {
        try spec.validate()
        let environment = try spec.containerEnvironment()
        try Task.checkCancellation()
        let bundle = spec.workingDirectory.appendingPathComponent("prova-" + UUID().uuidString.lowercased())
        defer { try? FileManager.default.removeItem(at: bundle) }
        do {
            let clock = ContinuousClock()
            let started = clock.now
            var outcome = try await program(ScriptedRun(spec: spec, environment: environment))
            let limit = Duration.seconds(spec.limits.timeLimitSeconds)
            if outcome.delay > limit {
                try await Task.sleep(for: limit)
                outcome.exitCode = 143
                outcome.timedOut = true
                outcome.outputs = [:]
            } else if outcome.delay > .zero {
                try await Task.sleep(for: outcome.delay)
            }
            try Task.checkCancellation()
            let output = bundle.appendingPathComponent("output")
            let full = try Self.write(outcome.outputs, into: output, limit: spec.limits.outputBytesLimit)
            let outputs = try OutputCollector.collect(from: output.path, to: spec.outputDirectory, limits: spec.limits)
            let wall = started.duration(to: clock.now)
            let milliseconds = max(1, wall.components.seconds * 1000 + wall.components.attoseconds / 1_000_000_000_000_000)
            let logLimit = Int(spec.limits.logBytesLimit)
            return RunResult(
                exitCode: outcome.exitCode, timedOut: outcome.timedOut, oomKilled: outcome.oomKilled,
                wallMilliseconds: milliseconds, cpuMilliseconds: outcome.cpuMilliseconds ?? milliseconds,
                peakMemoryBytes: outcome.peakMemoryBytes ?? (outcome.oomKilled ? spec.limits.memoryBytes : min(Units.mib, spec.limits.memoryBytes)),
                stdout: outcome.stdout.prefix(logLimit), stdoutTruncated: outcome.stdout.count > logLimit, stdoutSHA256: SHA256Hex.of(outcome.stdout),
                stderr: outcome.stderr.prefix(logLimit), stderrTruncated: outcome.stderr.count > logLimit, stderrSHA256: SHA256Hex.of(outcome.stderr),
                outputs: outputs.files, outputLimitExceeded: full, outputViolation: outputs.violation)
        } catch let error as CancellationError {
            throw SandboxError(code: .cancelled, message: "the run was cancelled; the scripted program was stopped", underlying: error)
        }
    }

    /// Writes the program's files as it would inside the container, stopping at the size of `/output` (the rest of a
    /// file that does not fit is lost, as writes fail with "no space left"). Returns true when `/output` filled up.
    private static func write(_ files: [String: Data], into directory: URL, limit: Int64) throws -> Bool {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var room = limit
        var full = false
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.isEmpty, !path.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                throw SandboxError(code: .invalidSpec, message: "scripted output '\(path)' is not a plain relative path inside /output")
            }
            let kept = content.prefix(Int(max(0, min(room, Int64(Int.max)))))
            if kept.count < content.count { full = true }
            room -= Int64(kept.count)
            let file = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try kept.write(to: file)
        }
        return full || room == 0
    }
}

/// What a scripted program sees of its run: the spec, the environment as a container would get it, `/input` and `/proof`.
public struct ScriptedRun: Sendable {
    public enum Role: String, Sendable { case prove, verify }

    public let spec: RunSpec
    /// `KEY` → `VALUE`, as the program's environment holds it (a default `PATH` included).
    public let environment: [String: String]

    public init(spec: RunSpec, environment: [String]) {
        self.spec = spec
        var values: [String: String] = [:]
        for entry in environment {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            values[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        self.environment = values
    }

    public var command: [String] { spec.command }
    /// `PROVA_ROLE`: the worker runs provers with `prove` and verifiers with `verify`.
    public var role: Role? { environment["PROVA_ROLE"].flatMap(Role.init(rawValue:)) }
    public var taskID: String? { environment["PROVA_TASK_ID"] }
    public var attempt: Int? { environment["PROVA_ATTEMPT"].flatMap { Int($0) } }

    /// The bytes of `/input/<path>`, or nil when there is no such file.
    public func input(_ path: String) -> Data? { FileManager.default.contents(atPath: spec.inputDirectory.appendingPathComponent(path).path) }

    /// The bytes of `/proof/<path>` (verifier runs), or nil when there is no such file.
    public func proof(_ path: String) -> Data? {
        spec.proofDirectory.flatMap { FileManager.default.contents(atPath: $0.appendingPathComponent(path).path) }
    }
}

/// What a scripted program does: how it exits, what it prints and leaves in `/output`, and how long it runs.
public struct ScriptedOutcome: Sendable {
    public var exitCode: Int32
    /// Files left in `/output`, by relative path; written when the program exits, so a run stopped at the time limit
    /// or cancelled leaves none.
    public var outputs: [String: Data]
    public var stdout: Data
    public var stderr: Data
    public var oomKilled: Bool
    public var timedOut: Bool
    /// How long the program runs: a cancellable wait, cut at the run's time limit like a container's.
    public var delay: Duration
    /// Usage to report; by default the measured wall time on one core, and the memory limit when OOM-killed.
    public var cpuMilliseconds: Int64?
    public var peakMemoryBytes: Int64?

    public init(exitCode: Int32 = 0, outputs: [String: Data] = [:], stdout: String = "", stderr: String = "", oomKilled: Bool = false,
                timedOut: Bool = false, delay: Duration = .zero, cpuMilliseconds: Int64? = nil, peakMemoryBytes: Int64? = nil) {
        self.exitCode = exitCode; self.outputs = outputs; self.stdout = Data(stdout.utf8); self.stderr = Data(stderr.utf8)
        self.oomKilled = oomKilled; self.timedOut = timedOut; self.delay = delay
        self.cpuMilliseconds = cpuMilliseconds; self.peakMemoryBytes = peakMemoryBytes
    }
}

/// A program for `ScriptedRuntime`: decides, per run, what the run does.
public struct ScriptedProgram: Sendable {
    public let body: @Sendable (ScriptedRun) async throws -> ScriptedOutcome

    public init(_ body: @escaping @Sendable (ScriptedRun) async throws -> ScriptedOutcome) { self.body = body }

    public func callAsFunction(_ run: ScriptedRun) async throws -> ScriptedOutcome { try await body(run) }

    /// Prover runs (`PROVA_ROLE=prove`) run `prover`, verifier runs `verifier`; a run without a role is an error (exit 2).
    public static func byRole(prover: ScriptedProgram, verifier: ScriptedProgram) -> ScriptedProgram {
        ScriptedProgram { run in
            switch run.role {
            case .prove: try await prover(run)
            case .verify: try await verifier(run)
            case nil: ScriptedOutcome(exitCode: 2, stderr: "PROVA_ROLE is not set\n")
            }
        }
    }

    /// A program that fails: exits with `code` at once, printing `stderr`.
    public static func failing(exitCode code: Int32 = 1, stderr: String = "the program failed\n") -> ScriptedProgram {
        ScriptedProgram { _ in ScriptedOutcome(exitCode: code, stderr: stderr) }
    }

    /// A program killed by the kernel at its memory limit: exit 137 (SIGKILL), `oomKilled`, peak memory at the limit.
    public static let outOfMemory = ScriptedProgram { _ in ScriptedOutcome(exitCode: 137, oomKilled: true) }

    /// `program`, running `delay` longer; past the time limit it is stopped there and reported as timed out.
    public static func slow(_ delay: Duration, then program: ScriptedProgram = ScriptedProgram { _ in ScriptedOutcome() }) -> ScriptedProgram {
        ScriptedProgram { run in
            var outcome = try await program(run)
            outcome.delay += delay
            return outcome
        }
    }
}
