import ProvaCore

/// The deadline pass: acceptance windows, run deadlines, commitment and reveal windows, verification deadlines and the
/// pending limit, all in block time.
extension Ledger {
    mutating func expireDeadlines() {
        let now = context.now
        let parameters = state.parameters
        for (_, id) in work.takeDue(before: now) {
            guard var task = state.tasks[id] else { continue }
            var changed = false
            for index in task.attempts.indices {
                let attempt = task.attempts[index]
                switch attempt.state {
                case .assigned where now > attempt.acceptDeadlineMilliseconds:
                    changed = true
                    missAcceptance(&task, attempt: attempt.number)
                case .running where now > (attempt.runDeadlineMilliseconds ?? .max):
                    changed = true
                    task.attempts[index].state = .timedOut
                    task.attempts[index].failure = "no result by the deadline (time limit \(Units.formatDuration(task.timeLimitSeconds)) plus upload grace)"
                    if let worker = attempt.worker { release(worker, task.resources) }
                    emit(.attemptTimedOut, task: task.id, attempt: attempt.number, worker: attempt.worker, detail: task.attempts[index].failure)
                    attemptDidFail(&task, attempt: attempt.number, reason: "timed out")
                case .delivered:
                    changed = expireDuties(&task, attempt: attempt.number, now: now) || changed
                default:
                    break
                }
            }
            for index in task.slots.indices where task.slots[index].state == .waiting
                && now - task.slots[index].waitingSinceMilliseconds > parameters.maxPendingMilliseconds {
                changed = true
                let reason = "no eligible prover had room for \(parameters.maxPendingMilliseconds / 1000) s"
                if task.kind == .capacityTest {
                    failCapacityTest(&task, slot: index, reason: reason)
                } else {
                    task.slots[index].state = .expired
                    task.failure = reason
                    refundSlot(&task, slot: index, reason: reason)
                    updateTaskState(&task)
                }
            }
            if changed {
                put(task)
            } else if let deadline = nextDeadline(of: task) {
                work.schedule(id, sequence: task.sequence, at: deadline)
            }
        }
    }

    /// A delivered attempt's windows: a verifier that did not commit, or did not reveal, in time is penalized and
    /// replaced; an attempt past its verification deadline ends with a full refund. Returns whether anything changed.
    private mutating func expireDuties(_ task: inout TaskRecord, attempt number: Int, now: Milliseconds) -> Bool {
        let attempt = task.attempts[number - 1]
        if let delivered = attempt.deliveredAtMilliseconds, now > delivered + state.parameters.verificationTimeoutMilliseconds {
            expireVerification(&task, attempt: number)
            return true
        }
        var changed = false
        for index in attempt.verifiers.indices {
            let duty = attempt.verifiers[index]
            let missedCommit = duty.state == .pending && now > duty.deadlineMilliseconds
            let missedReveal = duty.state == .committed && now > (attempt.revealDeadlineMilliseconds ?? .max)
            guard missedCommit || missedReveal else { continue }
            changed = true
            task.attempts[number - 1].verifiers[index].state = .missed
            if missedCommit { release(duty.worker, verifierResources(task)) }
            emit(.verifierMissed, task: task.id, attempt: number, worker: duty.worker, detail: missedCommit ? "no commitment in time" : "no reveal in time")
            penalizeVerifier(duty.worker, basisPoints: state.parameters.missedVoteSlashBasisPoints, task: task.id, attempt: number,
                             reason: missedCommit ? "missed the commitment window" : "committed and never revealed")
        }
        guard changed else { return false }
        task.attempts[number - 1].verifierDrawCauseHeight = context.height
        if task.attempts[number - 1].revealsOpen {
            if task.attempts[number - 1].committedVerifiers == 0 { closeReveals(&task, attempt: number) }
        } else {
            openRevealsIfReady(&task, attempt: number)
        }
        return true
    }
}
