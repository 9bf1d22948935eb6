import ProvaCore

/// AcceptTask, DeclineTask, SubmitResult and SubmitVote: the assigned workers' side of a task.
extension Ledger {
    /// The task and attempt a worker's transaction refers to, checked to be the sender's.
    func assignedAttempt(_ taskID: TaskID, _ number: Int, sender: Address) throws -> (TaskRecord, Attempt) {
        guard let task = state.tasks[taskID] else { throw LedgerError(.unknownTask, "no task \(taskID)") }
        guard number >= 1, number <= task.attempts.count else {
            throw LedgerError(.unknownAttempt, "task \(taskID) has no attempt \(number)")
        }
        let attempt = task.attempts[number - 1]
        guard attempt.worker == sender else {
            throw LedgerError(.notAssigned, "attempt \(number) of task \(taskID) is assigned to another worker, not \(sender)")
        }
        return (task, attempt)
    }

    mutating func accept(_ body: AcceptTask, by sender: Address) throws {
        var (task, attempt) = try assignedAttempt(body.task, body.attempt, sender: sender)
        guard attempt.state == .assigned else {
            throw LedgerError(.notAwaitingAcceptance, "attempt \(body.attempt) of task \(body.task) is \(attempt.state.rawValue), not awaiting acceptance")
        }
        guard context.now <= attempt.acceptDeadlineMilliseconds else {
            throw LedgerError(.acceptanceWindowClosed, "the acceptance window of attempt \(body.attempt) closed at \(attempt.acceptDeadlineMilliseconds)")
        }
        attempt.state = .running
        attempt.acceptedAtMilliseconds = context.now
        attempt.runDeadlineMilliseconds = context.now + task.timeLimitSeconds * 1000 + state.parameters.uploadGraceMilliseconds
        task.attempts[body.attempt - 1] = attempt
        task.slots[attempt.slot].state = .running
        updateTaskState(&task)
        put(task)
        emit(.taskAccepted, task: task.id, attempt: attempt.number, worker: sender, deadline: attempt.runDeadlineMilliseconds)
    }

    mutating func decline(_ body: DeclineTask, by sender: Address) throws {
        var (task, attempt) = try assignedAttempt(body.task, body.attempt, sender: sender)
        guard attempt.state == .assigned else {
            throw LedgerError(.notAwaitingAcceptance, "attempt \(body.attempt) of task \(body.task) is \(attempt.state.rawValue); only an assigned attempt can be declined")
        }
        attempt.state = .declined
        attempt.failure = body.reason ?? "declined"
        task.attempts[body.attempt - 1] = attempt
        release(sender, task.resources)
        emit(.taskDeclined, task: task.id, attempt: attempt.number, worker: sender, detail: body.reason)
        if task.kind == .capacityTest {
            failCapacityTest(&task, slot: attempt.slot, reason: "declined its capacity test")
        } else {
            // Declining early carries no strike (DESIGN §5 lets a worker give work back): the task is drawn again at once.
            task.slots[attempt.slot].state = .waiting
            task.slots[attempt.slot].currentAttempt = nil
            task.slots[attempt.slot].waitingSinceMilliseconds = context.now
            updateTaskState(&task)
        }
        put(task)
    }

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

    mutating func vote(_ body: SubmitVote, by sender: Address) throws {
        guard var task = state.tasks[body.task] else { throw LedgerError(.unknownTask, "no task \(body.task)") }
        guard body.attempt >= 1, body.attempt <= task.attempts.count else {
            throw LedgerError(.unknownAttempt, "task \(body.task) has no attempt \(body.attempt)")
        }
        var attempt = task.attempts[body.attempt - 1]
        guard let index = attempt.verifiers.firstIndex(where: { $0.worker == sender }) else {
            throw LedgerError(.notVerifier, "\(sender) was not chosen to verify attempt \(body.attempt) of task \(body.task)")
        }
        var duty = attempt.verifiers[index]
        if duty.state == .released, duty.vote == nil {
            // A drawn verifier whose vote arrives after the majority decided: accepted as a no-op, so honest verifiers
            // racing the decision see no error (and their later transactions keep their nonces in sequence).
            emit(.voteCast, task: task.id, attempt: body.attempt, worker: sender, detail: "\(body.verdict.rawValue) (after the decision; not counted)")
            return
        }
        guard duty.state == .pending else {
            throw LedgerError(duty.state == .voted ? .alreadyVoted : .voteClosed,
                              duty.state == .voted ? "\(sender) already voted on attempt \(body.attempt)" : "\(sender)'s vote on attempt \(body.attempt) is no longer open (\(duty.state.rawValue))")
        }
        guard attempt.state == .delivered else {
            throw LedgerError(.voteClosed, "attempt \(body.attempt) of task \(body.task) is already \(attempt.state.rawValue)")
        }
        guard context.now <= duty.deadlineMilliseconds else {
            throw LedgerError(.deadlinePassed, "the vote deadline passed at \(duty.deadlineMilliseconds)")
        }
        duty.state = .voted
        duty.vote = body.verdict
        attempt.verifiers[index] = duty
        task.attempts[body.attempt - 1] = attempt
        release(sender, verifierResources(task))
        if var worker = state.workers[sender] {
            worker.votesCast += 1
            put(worker)
        }
        emit(.voteCast, task: task.id, attempt: body.attempt, worker: sender, detail: body.verdict.rawValue)
        tally(&task, attempt: body.attempt, allowInconclusive: false)
        put(task)
    }

    func verifierResources(_ task: TaskRecord) -> Resources {
        state.programs[task.program]?.deploy.verifierResources ?? task.resources
    }

    /// Decides an attempt once a strict majority of the needed votes agree; with `allowInconclusive`
    /// (no more verifiers can be had) it decides with the votes in hand.
    mutating func tally(_ task: inout TaskRecord, attempt number: Int, allowInconclusive: Bool) {
        let attempt = task.attempts[number - 1]
        guard attempt.state == .delivered else { return }
        let needed = attempt.verifiersNeeded
        let valid = attempt.verifiers.filter { $0.vote == .valid }.count
        let invalid = attempt.verifiers.filter { $0.vote == .invalid }.count
        if valid * 2 > needed {
            decide(&task, attempt: number, verdict: .valid, detail: "\(valid) of \(needed) verifiers found it valid")
        } else if invalid * 2 > needed {
            decide(&task, attempt: number, verdict: .invalid, detail: "\(invalid) of \(needed) verifiers found it invalid")
        } else if allowInconclusive {
            if needed == 0 || (valid > invalid) {
                decide(&task, attempt: number, verdict: .valid, detail: needed == 0 ? "no eligible verifier" : "\(valid) valid, \(invalid) invalid of the votes cast")
            } else if invalid > valid {
                decide(&task, attempt: number, verdict: .invalid, detail: "\(invalid) invalid, \(valid) valid of the votes cast")
            } else {
                decide(&task, attempt: number, verdict: .error, detail: "verification inconclusive (\(valid) valid, \(invalid) invalid)")
            }
        }
    }
}
