import ProvaCore

/// Closing an attempt's verification with a verdict, and what follows from it.
extension Ledger {
    /// Closes the verification of an attempt with `verdict` (`.error` = inconclusive: nobody is at fault) and settles
    /// what follows. `unverified`: a valid verdict reached with fewer votes than the requester asked for.
    mutating func decide(_ task: inout TaskRecord, attempt number: Int, verdict: Verdict, unverified: Bool = false, detail: String) {
        var attempt = task.attempts[number - 1]
        attempt.decidedAtMilliseconds = context.now
        attempt.revealDeadlineMilliseconds = nil
        releaseOpenDuties(&attempt, of: task)
        let majority = verdict == .error ? [] : attempt.verifiers.filter { $0.state == .voted && $0.vote == verdict }.map(\.worker)
        if verdict != .error {
            // A revealed vote on the other side of the majority costs a share of the voter's stake: voting without
            // running the verifier is a gamble with the stake, not a free option.
            for duty in attempt.verifiers where duty.state == .voted && duty.vote != nil && duty.vote != .error && duty.vote != verdict {
                penalizeVerifier(duty.worker, basisPoints: state.parameters.minorityVoteSlashBasisPoints, task: task.id, attempt: number,
                                 reason: "voted \(duty.vote?.rawValue ?? "") against the majority")
            }
        }
        // Strikes count duties failed in a row: a verifier on the majority side has done its duty. Every drawn verifier
        // must now commit, so occasional misses over a long life would otherwise add up to a jail.
        for worker in majority { clearStrikes(worker) }
        let slotIndex = attempt.slot
        switch verdict {
        case .valid:
            attempt.state = unverified ? .acceptedUnverified : .verified
            task.attempts[number - 1] = attempt
            task.slots[slotIndex].state = unverified ? .acceptedUnverified : .verified
            task.slots[slotIndex].currentAttempt = nil
            emit(unverified ? .taskAcceptedUnverified : .taskVerified, task: task.id, attempt: number, worker: attempt.worker,
                 account: task.requester, detail: unverified ? "\(detail) (\(attempt.verifiersNeeded) of \(task.verifierCount) requested verifiers could be drawn)" : detail)
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
                clearStrikes(prover)
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
            attempt.state = .inconclusive
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

    /// Past an attempt's verification deadline without a verdict (no verifier had room): the slot fails with its whole
    /// fee refunded, and nobody is slashed — neither the prover nor the verifiers that did commit.
    mutating func expireVerification(_ task: inout TaskRecord, attempt number: Int) {
        var attempt = task.attempts[number - 1]
        let detail = "no verdict within \(state.parameters.verificationTimeoutMilliseconds / 1000) s of delivery: too few verifiers had room"
        releaseOpenDuties(&attempt, of: task)
        attempt.state = .inconclusive
        attempt.failure = detail
        attempt.decidedAtMilliseconds = context.now
        attempt.revealDeadlineMilliseconds = nil
        task.attempts[number - 1] = attempt
        task.slots[attempt.slot].state = .failed
        task.slots[attempt.slot].currentAttempt = nil
        task.failure = detail
        emit(.attemptFailed, task: task.id, attempt: number, worker: attempt.worker, detail: detail)
        refundSlot(&task, slot: attempt.slot, reason: detail)
        updateTaskState(&task)
    }

    /// Releases the attempt's duties still pending or committed (the attempt ended first); a pending one frees the
    /// capacity reserved for its run (a committed one freed it when it committed).
    private mutating func releaseOpenDuties(_ attempt: inout Attempt, of task: TaskRecord) {
        let verifierNeeds = verifierResources(task)
        for index in attempt.verifiers.indices where attempt.verifiers[index].state == .pending || attempt.verifiers[index].state == .committed {
            if attempt.verifiers[index].state == .pending { release(attempt.verifiers[index].worker, verifierNeeds) }
            attempt.verifiers[index].state = .released
        }
    }

    /// Takes `basisPoints` of a verifier's stake (a vote against the majority, a missed commitment or reveal) and strikes it.
    mutating func penalizeVerifier(_ worker: Address, basisPoints: Int64, task: TaskID, attempt: Int, reason: String) {
        if let stake = state.workers[worker]?.stake {
            slash(worker, Pricing.share(stake, basisPoints: basisPoints), task: task, attempt: attempt, reason: reason)
        }
        strike(worker, reason: reason, task: task)
    }
}
