import Foundation
import ProvaSandbox
import ProvaCore

/// Start-up cost of a sandboxed run. `sandbox.overhead_ratio` = median wall time of a no-op
/// program through `RuncRuntime` (limits, seccomp, /output tmpfs, cgroup read-back, clean-up)
/// ÷ median wall time of a plain `runc run` of the same bundle (same mounts, limits, seccomp filter), both
/// measured here, interleaved, in the same process.
func runSandboxBenchmarks() async throws -> [BenchLine] {
    let iterations = 20
    let fileManager = FileManager.default
    let base = fileManager.temporaryDirectory.appendingPathComponent("prova-sandbox-bench-\(getpid())")
    defer { try? fileManager.removeItem(at: base) }

    func locate(_ name: String) -> String? {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"].map { $0 + "/" + name }
            .first { fileManager.isExecutableFile(atPath: $0) }
    }
    guard let runc = locate("runc"), let busybox = locate("busybox") else {
        throw SandboxError(code: .benchPrerequisites, message: "install runc and busybox-static to run the sandbox benchmark")
    }

    // A busybox root filesystem shared by both measurements.
    let rootfs = base.appendingPathComponent("rootfs")
    try fileManager.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
    try fileManager.copyItem(atPath: busybox, toPath: rootfs.path + "/bin/busybox")
    for applet in ["sh", "true"] {
        try fileManager.createSymbolicLink(atPath: rootfs.path + "/bin/" + applet, withDestinationPath: "busybox")
    }
    for directory in ["proc", "dev", "sys", "tmp", "input", "output", "proof"] {
        try fileManager.createDirectory(at: rootfs.appendingPathComponent(directory), withIntermediateDirectories: true)
    }

    func execute(_ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runc)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }

    let runtime = RuncRuntime(
        runcPath: runc, stateRoot: base.appendingPathComponent("state"), seccompProfile: try SeccompProfile.containersDefault())
    let limits = RunLimits(
        cpuMillicores: 1000, memoryBytes: 64 << 20, pids: 64, timeLimitSeconds: 30, outputBytesLimit: 1 << 20,
        tmpBytesLimit: 1 << 20, logBytesLimit: 1 << 16)
    let input = base.appendingPathComponent("input")
    try fileManager.createDirectory(at: input, withIntermediateDirectories: true)
    // Baseline: `runc run` on the very bundle the sandbox writes (same mounts, limits and seccomp filter).
    let bundle = base.appendingPathComponent("plain")
    try fileManager.createDirectory(at: bundle, withIntermediateDirectories: true)
    try runtime.prepareBundle(RunSpec(rootfs: rootfs, command: ["true"], inputDirectory: input, outputDirectory: base.appendingPathComponent("plain-out"),
                                      limits: limits, workingDirectory: base.appendingPathComponent("work")), at: bundle, id: "plain")

    let clock = ContinuousClock()
    func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
    var sandboxed: [Double] = []
    var plain: [Double] = []
    for iteration in 0..<(iterations + 2) {
        let spec = RunSpec(
            rootfs: rootfs, command: ["true"], inputDirectory: input,
            outputDirectory: base.appendingPathComponent("output-\(iteration)"), limits: limits,
            workingDirectory: base.appendingPathComponent("work"))
        let start = clock.now
        let result = try await runtime.run(spec)
        let sandboxedTime = milliseconds(start.duration(to: clock.now))
        guard result.exitCode == 0 else {
            throw SandboxError(code: .benchFailed, message: "the no-op container exited \(result.exitCode): \(String(decoding: result.stderr, as: UTF8.self))")
        }

        let plainStart = clock.now
        let status = try await execute([
            "--root", base.appendingPathComponent("plain-state").path, "run", "--bundle", bundle.path, "plain-\(iteration)",
        ])
        let plainTime = milliseconds(plainStart.duration(to: clock.now))
        guard status == 0 else {
            throw SandboxError(code: .benchFailed, message: "plain `runc run` exited \(status)")
        }
        if iteration >= 2 {  // the first two warm caches
            sandboxed.append(sandboxedTime)
            plain.append(plainTime)
        }
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    let sandboxedMedian = median(sandboxed)
    let plainMedian = median(plain)
    return [
        BenchLine(name: "sandbox.overhead_ratio", value: plainMedian > 0 ? sandboxedMedian / plainMedian : 0, unit: "ratio"),
        BenchLine(name: "sandbox.start_ms", value: sandboxedMedian, unit: "ms"),
        BenchLine(name: "sandbox.plain_runc_ms", value: plainMedian, unit: "ms"),
    ]
}
