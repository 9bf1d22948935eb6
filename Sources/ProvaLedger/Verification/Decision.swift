import ProvaCore

/// Closing an attempt's verification with a verdict, and what follows from it.
extension Ledger {
    /// Closes the verification of an attempt with `verdict` (`.error` = inconclusive) and settles what follows.
    mutating func decide(_ task: inout TaskRecord, attempt number: Int, verdict: Verdict, detail: String) {
        var attempt = task.attempts[number - 1]
        attempt.decidedAtMilliseconds = context.now
        let verifierNeeds = verifierResources(task)
        for index in attempt.verifiers.indices where attempt.verifiers[index].state == .pending {
            attempt.verifiers[index].state = .released
            release(attempt.verifiers[index].worker, verifierNeeds)
        }
        let majority = verdict == .error ? [] : attempt.verifiers.filter { $0.vote == verdict }.map(\.worker)
        if verdict != .error {
            for duty in attempt.verifiers where duty.vote != nil && duty.vote != .error && duty.vote != verdict {
                strike(duty.worker, reason: "voted \(duty.vote?.rawValue ?? "") against the majority", task: task.id)
            }
        }
        let slotIndex = attempt.slot
        switch verdict {
        case .valid:
            attempt.state = .verified
            task.attempts[number - 1] = attempt
            task.slots[slotIndex].state = .verified
            task.slots[slotIndex].currentAttempt = nil
            emit(.taskVerified, task: task.id, attempt: number, worker: attempt.worker, account: task.requester, detail: detail)
            settleVerified(&task, slot: slotIndex, attempt: attempt, majority: majority)
            if task.verifiedAttempt == nil {
                task.verifiedAttempt = number
                changeTotals { $0.tasksVerified += 1 }
                if var program = state.programs[task.program] {
                    program.tasksVerified += 1
                    // Strikes count consecutive tasks that failed on every attempt: a program that works again starts over.
                    program.strikes = 0
                    put(program)
                }
            }
            if let prover = attempt.worker, var worker = state.workers[prover] {
                worker.tasksProved += 1
                put(worker)
            }
            if task.kind == .capacityTest { passCapacityTest(task) }
        case .invalid:
            attempt.state = .rejected
            attempt.failure = "proof rejected: \(detail)"
            task.attempts[number - 1] = attempt
            if task.kind == .verification {
                task.slots[slotIndex].state = .failed
                task.failure = "the proof is invalid: \(detail)"
                emit(.proofRejected, task: task.id, attempt: number, account: task.requester, detail: detail)
                settleVerified(&task, slot: slotIndex, attempt: attempt, majority: majority)
            } else {
                emit(.proofRejected, task: task.id, attempt: number, worker: attempt.worker, account: task.requester, detail: detail)
                if let prover = attempt.worker {
                    slash(prover, Pricing.share(task.slots[slotIndex].fee, basisPoints: state.parameters.slashBasisPoints),
                          task: task.id, attempt: number, reason: "proof rejected by verifiers")
                }
                attemptDidFail(&task, attempt: number, reason: "proof rejected (\(detail))")
            }
        case .error:
            attempt.state = .failed
            attempt.failure = detail
            task.attempts[number - 1] = attempt
            emit(.attemptFailed, task: task.id, attempt: number, worker: attempt.worker, detail: detail)
            if task.kind == .verification {
                task.slots[slotIndex].state = .failed
                task.failure = detail
                refundSlot(&task, slot: slotIndex, reason: detail)
            } else {
                attemptDidFail(&task, attempt: number, reason: detail)
            }
        }
        updateTaskState(&task)
    }
}
