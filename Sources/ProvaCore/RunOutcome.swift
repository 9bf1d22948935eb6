/// How a run ended, in the words a user needs ("OOM-killed at 2GiB", not "exit 137"): shared by the node's program
/// statistics and the SDK's logs so both name a failure the same way.
public enum RunOutcome {
    /// A short category of why an attempt failed, for counting: `out of memory`, `time limit`, `exit code N`,
    /// `killed by signal N`, `could not start`, `proof rejected`, `no result` (the worker never delivered), `inconclusive`.
    public static func failureReason(of attempt: Attempt) -> String? {
        switch attempt.state {
        case .rejected: return "proof rejected"
        case .timedOut: return attempt.result == nil ? "no result" : "time limit"
        case .failed:
            guard let result = attempt.result else { return "inconclusive" }
            return category(result) ?? "inconclusive"
        default:
            guard let result = attempt.result, !result.succeeded else { return nil }
            return category(result)
        }
    }

    /// The category of a result that did not succeed; nil for a success.
    public static func category(_ result: SubmitResult) -> String? {
        if result.oomKilled { return "out of memory" }
        if result.timedOut { return "time limit" }
        if result.exitCode == 0 { return nil }
        if result.exitCode < 0 { return "could not start" }
        if result.exitCode > 128, result.exitCode < 160 { return "killed by signal \(result.exitCode - 128)" }
        return "exit code \(result.exitCode)"
    }

    /// One line: `exited 0`, `OOM-killed at 2GiB (exit code 137)`, `killed at the time limit of 1m (exit code 143)`,
    /// `killed by signal 9 (exit code 137)`, `exit code 3`, `could not start: …`.
    public static func describe(_ result: SubmitResult, memoryBytes: ByteCount, timeLimitSeconds: Seconds) -> String {
        let code = "exit code \(result.exitCode)"
        if result.oomKilled { return "OOM-killed at \(Units.formatBytes(memoryBytes)) (\(code))" }
        if result.timedOut { return "killed at the time limit of \(Units.formatDuration(timeLimitSeconds)) (\(code))" }
        if result.exitCode == 0 { return "exited 0" }
        if result.exitCode < 0 { return "could not start" + (result.message.map { ": \($0)" } ?? "") }
        if result.exitCode > 128, result.exitCode < 160 {
            let signal = result.exitCode - 128
            let name = [9: " (SIGKILL)", 15: " (SIGTERM)", 6: " (SIGABRT)", 11: " (SIGSEGV)"][Int(signal)] ?? ""
            return "killed by signal \(signal)\(name) (\(code))"
        }
        return code
    }
}
