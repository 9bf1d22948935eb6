import Foundation
import ProvaCore

/// Exit status plus captured output of a finished child process.
struct ProcessOutcome: Sendable {
    /// Exit code, or 128 + signal number when the child was killed by a signal.
    var status: Int32
    var stdout: CapturedStream
    var stderr: CapturedStream
}

/// A started child whose stdout/stderr are being drained.
///
/// `@unchecked Sendable`: the wrapped `Process` is only touched by Foundation's own termination
/// machinery after launch; everything this type exposes is an immutable `Task`.
final class ChildProcess: @unchecked Sendable {
    private let process: Process
    let exitStatus: Task<Int32, Never>
    let stdout: Task<CapturedStream, Never>
    let stderr: Task<CapturedStream, Never>

    /// Launches `executable`; output beyond `logLimit` bytes per stream is hashed but not kept.
    /// When `stdoutFile` is given, stdout goes there instead of being captured.
    init(executable: String, arguments: [String], logLimit: Int64, stdoutFile: FileHandle? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice

        let outPipe = try ChildProcess.makePipe()
        let errPipe = try ChildProcess.makePipe()
        process.standardOutput = stdoutFile ?? FileHandle(fileDescriptor: outPipe.write, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: errPipe.write, closeOnDealloc: false)

        let (statusStream, statusContinuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            let code = finished.terminationStatus
            statusContinuation.yield(finished.terminationReason == .uncaughtSignal ? 128 + code : code)
            statusContinuation.finish()
        }
        do {
            try process.run()
        } catch {
            for fd in [outPipe.read, outPipe.write, errPipe.read, errPipe.write] { close(fd) }
            throw SandboxError(
                code: .processLaunchFailed,
                message: "could not start \(executable); check that it is installed and executable",
                underlying: error)
        }
        // The child holds its own copies; ours must go so that EOF arrives when the child is done.
        close(outPipe.write)
        close(errPipe.write)
        if stdoutFile != nil { close(outPipe.read) }

        self.process = process
        self.exitStatus = Task {
            for await status in statusStream { return status }
            return -1
        }
        let outRead = outPipe.read
        let errRead = errPipe.read
        self.stdout = Task {
            if stdoutFile != nil {
                return CapturedStream(data: Data(), truncated: false, sha256: SHA256Hex.of(Data()), totalBytes: 0)
            }
            return await StreamDrainer.drain(fd: outRead, limit: logLimit)
        }
        self.stderr = Task { await StreamDrainer.drain(fd: errRead, limit: logLimit) }
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Waits for exit and for both streams to reach EOF.
    func outcome() async -> ProcessOutcome {
        let status = await exitStatus.value
        return ProcessOutcome(status: status, stdout: await stdout.value, stderr: await stderr.value)
    }

    /// Runs a short helper command to completion.
    static func run(
        _ executable: String, _ arguments: [String], logLimit: Int64 = 1 << 20, stdoutFile: FileHandle? = nil
    ) async throws -> ProcessOutcome {
        try await ChildProcess(executable: executable, arguments: arguments, logLimit: logLimit, stdoutFile: stdoutFile)
            .outcome()
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw SandboxError.io("pipe", path: "-", errno: errno)
        }
        // Foundation's Process closes stray descriptors in the child too; close-on-exec also
        // covers children started by other threads meanwhile.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}

/// Finds helper programs (runc, tar, gzip) in PATH and the usual system directories.
enum Executable {
    static func locate(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func require(_ name: String, package: String) throws -> String {
        guard let path = locate(name) else {
            throw SandboxError(
                code: .toolNotFound,
                message: "\(name) is not installed or not in PATH; install it with `apt-get install -y \(package)`")
        }
        return path
    }
}
