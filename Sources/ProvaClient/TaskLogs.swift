public import ProvaCore

/// Whose run: the prover's, or one verifier's.
public enum RunRole: String, Codable, Sendable, Hashable, CaseIterable {
    case prover, verifier
}

/// One run of a task's program: its stdout and stderr (as the worker kept them, checked against the digests the
/// chain records), how it ended in words, and what it measured against what was asked.
public struct RunLog: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var role: RunRole
    public var worker: Address?
    /// The attempt's state for a prover run, the duty's state for a verifier run.
    public var state: String
    /// `OOM-killed at 2GiB (exit code 137)`, `killed at the time limit of 1m (exit code 143)`, `exit code 3`…; nil
    /// while the run has not reported.
    public var exitReason: String?
    public var exitCode: Int32?
    public var usage: MeasuredUsage?
    public var requested: Resources
    public var timeLimitSeconds: Seconds
    /// The worker's note on the result, the attempt's failure as the ledger recorded it.
    public var message: String?
    public var failure: String?
    public var vote: Verdict?
    /// The logs, decoded as UTF-8 (invalid bytes replaced); nil when the run wrote nothing or has not reported.
    public var stdout: String?
    public var stderr: String?
    public var stdoutDigest: String?
    public var stderrDigest: String?
    /// Why some of the above is missing.
    public var note: String?
}

extension ProvaClient {
    /// Largest log a worker keeps is far below this; a larger blob is not a log.
    static let maxLogBytes = 16 << 20

    /// The runs of `task`: every prover attempt (or only `attempt`) with its logs downloaded and checked, or — with
    /// `role: .verifier` — every verifier duty of those attempts with its vote and the logs of its run.
    public func runLogs(of task: TaskRecord, attempt: Int? = nil, role: RunRole = .prover) async throws -> [RunLog] {
        var attempts = task.attempts
        if let attempt {
            attempts = attempts.filter { $0.number == attempt }
            guard !attempts.isEmpty else {
                let known = task.attempts.map { String($0.number) }.joined(separator: ", ")
                throw ClientError(.badOption, "task \(task.id) has no attempt \(attempt)\(known.isEmpty ? "; it has not been assigned yet" : "; its attempts are \(known)")")
            }
        }
        var logs: [RunLog] = []
        for attempt in attempts {
            switch role {
            case .prover: logs.append(try await proverLog(task, attempt))
            case .verifier: logs += try await verifierLogs(task, attempt)
            }
        }
        return logs
    }

    private func proverLog(_ task: TaskRecord, _ attempt: Attempt) async throws -> RunLog {
        var log = RunLog(task: task.id, attempt: attempt.number, role: .prover, worker: attempt.worker, state: attempt.state.rawValue,
                         requested: task.resources, timeLimitSeconds: task.timeLimitSeconds, failure: attempt.failure)
        guard task.kind != .verification else {
            log.note = "a verify-only task: the proof was made elsewhere, so there is no prover run; see --role verifier"
            return log
        }
        guard let result = attempt.result else {
            log.note = attempt.state.isOpen ? "the run has not reported yet" : "the worker reported no result (\(attempt.state.rawValue))"
            return log
        }
        log.exitReason = RunOutcome.describe(result, memoryBytes: task.resources.memoryBytes, timeLimitSeconds: task.timeLimitSeconds)
        log.exitCode = result.exitCode
        log.usage = result.usage
        log.message = result.message
        log.stdoutDigest = result.stdoutDigest
        log.stderrDigest = result.stderrDigest
        if let digest = result.stdoutDigest { log.stdout = String(decoding: try await getBlobBytes(digest: digest, limit: Self.maxLogBytes), as: UTF8.self) }
        if let digest = result.stderrDigest { log.stderr = String(decoding: try await getBlobBytes(digest: digest, limit: Self.maxLogBytes), as: UTF8.self) }
        return log
    }

    /// Each verifier duty with its revealed vote and the transcript of its run: exit status, and the stdout and stderr
    /// it uploaded (checked against the transcript's digests).
    private func verifierLogs(_ task: TaskRecord, _ attempt: Attempt) async throws -> [RunLog] {
        let program = try? await self.program(task.program)
        var logs: [RunLog] = []
        for duty in attempt.verifiers {
            var log = RunLog(task: task.id, attempt: attempt.number, role: .verifier, worker: duty.worker, state: duty.state.rawValue,
                             requested: program?.deploy.verifierResources ?? task.resources,
                             timeLimitSeconds: program?.deploy.verifierTimeLimitSeconds ?? task.timeLimitSeconds,
                             vote: duty.state == .voted ? duty.vote : nil)
            guard duty.state == .voted, let transcript = duty.transcript else {
                log.note = switch duty.state {
                case .pending: "drawn; its commitment is not on the chain yet"
                case .committed: "committed; its vote is revealed once every drawn verifier has committed"
                default: "no vote was revealed (\(duty.state.rawValue))"
                }
                logs.append(log)
                continue
            }
            log.exitCode = transcript.exitCode
            // Worded as a prover run is: the transcript holds the same exit status.
            let run = SubmitResult(task: task.id, attempt: attempt.number, exitCode: transcript.exitCode, timedOut: transcript.timedOut,
                                   oomKilled: transcript.oomKilled, outputs: [])
            log.exitReason = RunOutcome.describe(run, memoryBytes: log.requested.memoryBytes, timeLimitSeconds: log.timeLimitSeconds)
            log.stdoutDigest = transcript.stdoutDigest
            log.stderrDigest = transcript.stderrDigest
            var missing: [String] = []
            for (name, digest) in [("stdout", transcript.stdoutDigest), ("stderr", transcript.stderrDigest)] {
                guard let digest else { continue }
                do {
                    let text = String(decoding: try await getBlobBytes(digest: digest, limit: Self.maxLogBytes), as: UTF8.self)
                    if name == "stdout" { log.stdout = text } else { log.stderr = text }
                } catch let error as ClientError where error.code == .notFound {
                    missing.append(name)
                }
            }
            if !missing.isEmpty { log.note = "the verifier's \(missing.joined(separator: " and ")) is on no node any more; its digest is on the chain" }
            logs.append(log)
        }
        return logs
    }
}

extension RunLog {
    init(task: TaskID, attempt: Int, role: RunRole, worker: Address?, state: String, requested: Resources, timeLimitSeconds: Seconds,
         failure: String? = nil, vote: Verdict? = nil, note: String? = nil) {
        self.task = task; self.attempt = attempt; self.role = role; self.worker = worker; self.state = state
        self.requested = requested; self.timeLimitSeconds = timeLimitSeconds; self.failure = failure; self.vote = vote; self.note = note
    }
}
