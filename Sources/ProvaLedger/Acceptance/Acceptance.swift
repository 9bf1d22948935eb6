import ProvaCore

/// AcceptTask and DeclineTask, and the acceptance window (DESIGN §5).
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
            // Declining early carries no strike (DESIGN §5 lets a worker give work back): the task is drawn again, next block.
            markWaiting(&task, slot: attempt.slot)
            updateTaskState(&task)
        }
        put(task)
    }

    /// The assigned worker did not accept in the window: strike it and draw again (next block).
    mutating func missAcceptance(_ task: inout TaskRecord, attempt number: Int) {
        let attempt = task.attempts[number - 1]
        task.attempts[number - 1].state = .missedAcceptance
        task.attempts[number - 1].failure = "not accepted within the acceptance window"
        emit(.acceptanceMissed, task: task.id, attempt: number, worker: attempt.worker)
        if let worker = attempt.worker {
            release(worker, task.resources)
            strike(worker, reason: "missed the acceptance window", task: task.id)
        }
        if task.kind == .capacityTest {
            failCapacityTest(&task, slot: attempt.slot, reason: "did not accept its capacity test")
            return
        }
        markWaiting(&task, slot: attempt.slot)
        updateTaskState(&task)
    }
}
