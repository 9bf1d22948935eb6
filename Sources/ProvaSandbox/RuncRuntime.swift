public import Foundation
import ProvaCore

/// Runs programs in runc containers with the limits and isolation of DESIGN.md §8.
///
/// Each run gets a bundle directory under `spec.workingDirectory`, a host tmpfs bound at /output,
/// and a cgroup at `/<cgroupParent>/<id>`. `runc run --keep` leaves the cgroup in place after the
/// program exits so that OOM, peak memory and CPU counters can be read before `runc delete`.
public struct RuncRuntime: Runtime {
    public let runcPath: String
    public let stateRoot: URL
    public let seccompProfile: SeccompProfile?
    public let cgroupLayout: CgroupLayout
    public let cgroupParent: String
    /// Who programs run as; never host root.
    public let identity: ProgramIdentity

    /// - Parameters:
    ///   - runcPath: a name looked up in PATH, or an absolute path.
    ///   - stateRoot: runc's `--root` (container state); created when missing.
    ///   - seccompProfile: usually `try SeccompProfile.containersDefault()`; nil runs without seccomp.
    ///   - identity: who programs run as; by default a user namespace where the kernel allows one
    ///     (`ProgramIdentity.detect`; a daemon passes what it detected and logged).
    public init(
        runcPath: String = "runc",
        stateRoot: URL,
        seccompProfile: SeccompProfile?,
        cgroupLayout: CgroupLayout = .detect(),
        cgroupParent: String = "prova",
        identity: ProgramIdentity = ProgramIdentity.detect().identity
    ) {
        self.identity = identity
        self.runcPath = runcPath
        self.stateRoot = stateRoot
        self.seccompProfile = seccompProfile
        self.cgroupLayout = cgroupLayout
        self.cgroupParent = cgroupParent
    }

    /// Is runc installed where this runtime looks for it?
    public var isAvailable: Bool { Executable.locate(runcPath) != nil }

    /// Writes the OCI bundle `run` would use for `spec` (same limits, mounts and seccomp filter) into `bundle`, with a
    /// plain directory at `/output`: for measuring `runc run` on the very same bundle (the sandbox benchmark's baseline).
    public func prepareBundle(_ spec: RunSpec, at bundle: URL, id: String) throws {
        try spec.validate()
        let output = bundle.appendingPathComponent("output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        guard chown(output.path, identity.hostUID, identity.hostUID) == 0 else { throw SandboxError.io("chown", path: output.path, errno: errno) }
        let config = BundleConfig.make(spec: spec, environment: try spec.containerEnvironment(), outputSource: output.path,
                                       cgroupsPath: "/\(cgroupParent)/\(id)", seccomp: seccompProfile, identity: identity)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(config).write(to: bundle.appendingPathComponent("config.json"))
    }

    public func run(_ spec: RunSpec) async throws -> RunResult {
        try spec.validate()
        let environment = try spec.containerEnvironment()
        let runc = try Executable.require(runcPath, package: "runc")
        try Task.checkCancellation()

        let id = "prova-" + UUID().uuidString.lowercased()
        let bundle = spec.workingDirectory.appendingPathComponent(id)
        let control = ContainerControl(runc: runc, stateRoot: stateRoot.path, id: id)
        var mount: OutputMount?
        var launched = false
        do {
            try FileManager.default.createDirectory(at: stateRoot, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
            try identity.requireReachable([spec.rootfs.path, spec.inputDirectory.path, bundle.path] + (spec.proofDirectory.map { [$0.path] } ?? []))
            mount = try OutputMount.mount(at: bundle.path + "/output", sizeBytes: spec.limits.outputBytesLimit, owner: identity.hostUID)
            let cgroupsPath = "/\(cgroupParent)/\(id)"
            let config = BundleConfig.make(
                spec: spec, environment: environment, outputSource: bundle.path + "/output",
                cgroupsPath: cgroupsPath, seccomp: seccompProfile, identity: identity)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(config).write(to: bundle.appendingPathComponent("config.json"))

            launched = true
            let result = try await execute(
                spec: spec, runc: runc, bundle: bundle, control: control,
                cgroupsPath: cgroupsPath, mount: mount)
            mount?.unmount()
            try? FileManager.default.removeItem(at: bundle)
            return result
        } catch {
            if launched { await control.delete() }
            mount?.unmount()
            try? FileManager.default.removeItem(at: bundle)
            if error is CancellationError {
                throw SandboxError(
                    code: .cancelled, message: "the run was cancelled; the container was killed and removed",
                    underlying: error)
            }
            throw error
        }
    }

    private func execute(
        spec: RunSpec, runc: String, bundle: URL, control: ContainerControl, cgroupsPath: String, mount: OutputMount?
    ) async throws -> RunResult {
        let logFile = bundle.path + "/runc.log"
        let clock = ContinuousClock()
        let started = clock.now
        let child = try ChildProcess(
            executable: runc,
            arguments: ["--root", stateRoot.path, "--log", logFile, "--log-format", "json",
                        "run", "--keep", "--bundle", bundle.path, control.id],
            logLimit: spec.limits.logBytesLimit)
        let watchdog = control.watchdog(
            limitSeconds: spec.limits.timeLimitSeconds, graceSeconds: spec.limits.killGraceSeconds)
        let exited = ExitFlag()
        let status = await withTaskCancellationHandler {
            await child.exitStatus.value
        } onCancel: {
            _ = control.killUntilExited(exited)
        }
        exited.set()
        let wall = started.duration(to: clock.now)
        watchdog.cancel()
        let timedOut = await watchdog.value

        let usage = CgroupUsage.read(layout: cgroupLayout, cgroupsPath: cgroupsPath)
        await control.deleteStopped(layout: cgroupLayout, cgroupsPath: cgroupsPath)
        let stdout = await child.stdout.value
        let stderr = await child.stderr.value
        try Task.checkCancellation()
        if let failure = RuncLog.firstError(atPath: logFile) {
            throw SandboxError(
                code: .runcFailed,
                message: "runc could not run the container: \(failure); check the image and the host's runc setup")
        }

        let outputLimitExceeded = mount?.isFull() ?? false
        let collection = try mount.map { try OutputCollector.collect(from: $0.path, to: spec.outputDirectory, limits: spec.limits) }
        let milliseconds = wall.components.seconds * 1000 + wall.components.attoseconds / 1_000_000_000_000_000
        return RunResult(
            exitCode: status,
            timedOut: timedOut,
            oomKilled: usage.oomKilled,
            wallMilliseconds: milliseconds,
            cpuMilliseconds: usage.cpuMilliseconds,
            peakMemoryBytes: usage.peakMemoryBytes,
            stdout: stdout.data,
            stdoutTruncated: stdout.truncated,
            stdoutSHA256: stdout.sha256,
            stderr: stderr.data,
            stderrTruncated: stderr.truncated,
            stderrSHA256: stderr.sha256,
            outputs: collection?.files ?? [],
            outputLimitExceeded: outputLimitExceeded,
            outputViolation: collection?.violation)
    }
}

/// Reads runc's own JSON log (`--log-format json`), which keeps runc's errors apart from the
/// program's stderr.
enum RuncLog {
    static func firstError(atPath path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                let entry = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let level = entry["level"] as? String, level == "error" || level == "fatal"
            else { continue }
            return (entry["msg"] as? String) ?? String(line)
        }
        return nil
    }
}
