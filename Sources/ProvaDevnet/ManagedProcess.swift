public import Foundation
import Synchronization

/// A child process a devnet starts and stops (an etcd member, a validator), its output appended to a log file.
///
/// Foundation's `Process` rather than swift-subprocess: these children outlive any one call (they run until the devnet
/// stops or a test kills them) and are signalled from outside, which `Process` models directly.
/// `@unchecked Sendable`: the wrapped `Process` is only signalled and read after launch; exits arrive on a stream.
public final class ManagedProcess: @unchecked Sendable {
    public let name: String
    private let process: Process
    /// The exit status once known, and whoever waits for it until then.
    private let exit = ExitState()
    private let log: FileHandle

    /// Launches `executable` with `arguments`; stdout and stderr go to `logFile` (appended).
    public init(name: String, executable: URL, arguments: [String], logFile: URL, environment: [String: String]? = nil) throws {
        self.name = name
        let manager = FileManager.default
        try manager.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !manager.fileExists(atPath: logFile.path) { _ = manager.createFile(atPath: logFile.path, contents: nil) }
        log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        process.terminationHandler = { [exit, log] finished in
            try? log.close()
            let status = finished.terminationStatus
            let waiters = exit.state.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
        do { try process.run() } catch {
            try? log.close()
            throw DevnetError("could not start \(name) (\(executable.path)): \(error)")
        }
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM to stop cleanly, SIGKILL to crash it).
    public func send(_ signal: Int32) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Returns once the process has exited, with its status.
    @discardableResult
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let known = exit.state.withLock { state in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        send(SIGTERM)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForExit() }
            group.addTask {
                try? await Task.sleep(for: grace)
                self.send(SIGKILL)
            }
            _ = await group.next()
            group.cancelAll()
        }
    }
}

/// A process's exit status once known, and whoever waits for it until then.
private final class ExitState: Sendable {
    let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
}
