import ProvaCore

/// The deadline pass: acceptance windows, run deadlines, vote windows and the pending limit, all in block time.
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
                    for dutyIndex in attempt.verifiers.indices {
                        let duty = attempt.verifiers[dutyIndex]
                        guard duty.state == .pending, now > duty.deadlineMilliseconds else { continue }
                        changed = true
                        task.attempts[index].verifiers[dutyIndex].state = .missed
                        task.attempts[index].verifierDrawCauseHeight = context.height
                        release(duty.worker, verifierResources(task))
                        emit(.verifierMissed, task: task.id, attempt: attempt.number, worker: duty.worker)
                        strike(duty.worker, reason: "missed the vote window", task: task.id)
                    }
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
}
