import ProvaCore

/// SubmitResult: a delivered proof, or a failed run described in words a user can act on.
extension Ledger {
    mutating func submitResult(_ body: SubmitResult, by sender: Address) throws {
        var (task, attempt) = try assignedAttempt(body.task, body.attempt, sender: sender)
        guard attempt.state == .running else {
            throw LedgerError(.notRunning, "attempt \(body.attempt) of task \(body.task) is \(attempt.state.rawValue); only a running (accepted) attempt takes a result")
        }
        guard let deadline = attempt.runDeadlineMilliseconds, context.now <= deadline else {
            throw LedgerError(.deadlinePassed, "the result deadline of attempt \(body.attempt) passed at \(attempt.runDeadlineMilliseconds ?? 0); the task has moved on")
        }
        release(sender, task.resources)
        attempt.result = body
        if body.succeeded {
            attempt.state = .delivered
            attempt.deliveredAtMilliseconds = context.now
            attempt.verifierDrawCauseHeight = context.height
            task.attempts[body.attempt - 1] = attempt
            task.slots[attempt.slot].state = .verifying
            if task.deliveredAtMilliseconds == nil { task.deliveredAtMilliseconds = context.now }
            emit(.taskDelivered, task: task.id, attempt: attempt.number, worker: sender, account: task.requester,
                 detail: body.outputs.map { "\($0.path)=\($0.digest)" }.joined(separator: ","))
            if attempt.verifiersNeeded == 0 {
                decide(&task, attempt: attempt.number, verdict: .valid, detail: "no verification requested")
            } else {
                updateTaskState(&task)
            }
        } else {
            attempt.state = .failed
            attempt.failure = Self.describeFailure(body, timeLimitSeconds: task.timeLimitSeconds, memory: task.resources.memoryBytes)
            task.attempts[body.attempt - 1] = attempt
            emit(.attemptFailed, task: task.id, attempt: attempt.number, worker: sender, detail: attempt.failure)
            attemptDidFail(&task, attempt: attempt.number, reason: attempt.failure ?? "failed")
        }
        put(task)
    }

    /// A failure users can act on: "OOM-killed at 2GiB", not "exit 137".
    static func describeFailure(_ result: SubmitResult, timeLimitSeconds: Seconds, memory: ByteCount) -> String {
        var parts: [String] = []
        if result.oomKilled { parts.append("OOM-killed at \(Units.formatBytes(memory))") }
        if result.timedOut { parts.append("killed at the time limit of \(Units.formatDuration(timeLimitSeconds))") }
        parts.append("exit code \(result.exitCode)")
        if let message = result.message, !message.isEmpty { parts.append(message) }
        return parts.joined(separator: ", ")
    }
}
