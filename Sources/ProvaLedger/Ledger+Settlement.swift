import ProvaCore

/// Deciding attempts and moving money: payouts, refunds, slashing, burning, program strikes (DESIGN §5–§6).
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

    /// Pays a slot's fee: prover 85 %, majority verifiers 10 % (equal shares), treasury the rest. After a fallback,
    /// slashes the provers whose attempts failed and refunds the requester from the treasury they funded.
    mutating func settleVerified(_ task: inout TaskRecord, slot index: Int, attempt: Attempt, majority: [Address]) {
        let parameters = state.parameters
        let fee = task.slots[index].fee
        task.escrow -= fee
        var paidOut: MicroCredits = 0
        var verifierPool = Pricing.share(fee, basisPoints: parameters.verifierShareBasisPoints)
        if let prover = attempt.worker {
            let proverPay = Pricing.share(fee, basisPoints: parameters.proverShareBasisPoints)
            pay(prover, proverPay, task: task.id, attempt: attempt.number, detail: "prover")
            paidOut += proverPay
        } else {
            // Verify-only: there is no prover; verifiers earn the prover's share too.
            verifierPool = fee - Pricing.share(fee, basisPoints: parameters.treasuryShareBasisPoints)
        }
        if !majority.isEmpty {
            let each = verifierPool / Int64(majority.count)
            for verifier in majority {
                pay(verifier, each, task: task.id, attempt: attempt.number, detail: "verifier")
                paidOut += each
            }
        }
        task.paid += paidOut
        changeTotals { $0.treasury += fee - paidOut }
        if let prover = attempt.worker, parameters.proverSubsidy > 0, fee > 0 {
            let subsidy = min(parameters.proverSubsidy, state.totals.treasury)
            if subsidy > 0 {
                changeTotals { $0.treasury -= subsidy }
                pay(prover, subsidy, task: task.id, attempt: attempt.number, detail: "network subsidy")
            }
        }
        if task.slots[index].failedAttempts > 0, fee > 0 {
            for earlier in task.attempts where earlier.slot == index && (earlier.state == .failed || earlier.state == .timedOut) {
                if let worker = earlier.worker {
                    slash(worker, Pricing.share(fee, basisPoints: parameters.slashBasisPoints), task: task.id, attempt: earlier.number,
                          reason: "attempt \(earlier.state == .timedOut ? "timed out" : "failed") and the fallback succeeded")
                }
            }
            let refund = min(Pricing.share(fee, basisPoints: parameters.fallbackRefundBasisPoints), state.totals.treasury)
            if refund > 0 {
                changeTotals { $0.treasury -= refund }
                credit(task.requester, refund)
                task.refunded += refund
                emit(.refunded, task: task.id, account: task.requester, amount: refund, detail: "fallback succeeded")
            }
        }
    }

    /// Returns a slot's whole fee to the requester (no prover could be found, or verification was inconclusive).
    mutating func refundSlot(_ task: inout TaskRecord, slot index: Int, reason: String) {
        let fee = task.slots[index].fee
        task.escrow -= fee
        guard fee > 0 else { return }
        credit(task.requester, fee)
        task.refunded += fee
        emit(.refunded, task: task.id, account: task.requester, amount: fee, detail: reason)
    }

    /// A prover attempt ended without a valid proof: fall back to a new worker, or, when every attempt failed,
    /// burn the fee and strike the program (nobody is slashed: the program is probably at fault).
    mutating func attemptDidFail(_ task: inout TaskRecord, attempt number: Int, reason: String) {
        let index = task.attempts[number - 1].slot
        task.slots[index].failedAttempts += 1
        task.slots[index].currentAttempt = nil
        if task.kind == .capacityTest {
            failCapacityTest(&task, slot: index, reason: reason)
            return
        }
        let attempts = task.slots[index].failedAttempts
        if attempts < state.parameters.maxAttempts {
            task.slots[index].state = .waiting
            task.slots[index].waitingSinceMilliseconds = context.now
            changeTotals { $0.fallbacks += 1 }
            emit(.fallback, task: task.id, attempt: number, account: task.requester, detail: "attempt \(number) failed (\(reason)); drawing a new prover")
        } else {
            task.slots[index].state = .failed
            let fee = task.slots[index].fee
            task.escrow -= fee
            task.burned += fee
            changeTotals { $0.burned += fee }
            emit(.burned, task: task.id, account: task.requester, amount: fee, detail: "all \(attempts) attempts failed")
            if task.failure == nil { strikeProgram(task.program, task: task.id, reason: reason) }
            task.failure = "all \(attempts) attempts failed; last: \(reason)"
        }
        updateTaskState(&task)
    }

    mutating func strikeProgram(_ id: ProgramID, task: TaskID, reason: String) {
        guard var program = state.programs[id], id != state.capacityTestProgram else { return }
        program.strikes += 1
        emit(.programStrike, task: task, program: id, detail: reason)
        if program.strikes >= state.parameters.programStrikeLimit, !program.blocked {
            program.blocked = true
            program.blockedReason = "failed on every attempt \(program.strikes) times (last: \(reason))"
            emit(.programBlocked, program: id, detail: program.blockedReason)
        }
        put(program)
    }

    // MARK: Capacity tests

    mutating func passCapacityTest(_ task: TaskRecord) {
        guard let address = task.targetWorker, var worker = state.workers[address] else { return }
        worker.capacityTest = nil
        if worker.status == .probation || worker.status == .jailed {
            worker.status = .active
            worker.strikes = 0
            worker.jailedUntilMilliseconds = nil
            emit(.workerActivated, task: task.id, worker: address, detail: worker.capacity.summary)
        }
        put(worker)
    }

    mutating func failCapacityTest(_ task: inout TaskRecord, slot index: Int, reason: String) {
        task.slots[index].state = .failed
        task.slots[index].currentAttempt = nil
        task.failure = "capacity test failed: \(reason)"
        if let address = task.targetWorker, var worker = state.workers[address] {
            worker.capacityTest = nil
            put(worker)
            emit(.capacityTestFailed, task: task.id, worker: address, detail: reason)
            jail(address, reason: "failed its capacity test (\(reason))", until: context.now + state.parameters.jailMilliseconds)
        }
        updateTaskState(&task)
    }

    // MARK: TaskRecord state

    /// Derives the task's state from its slots; on reaching a terminal state, records it once.
    mutating func updateTaskState(_ task: inout TaskRecord) {
        let previous = task.state
        let slots = task.slots.map(\.state)
        let next: TaskState
        if slots.contains(.verified) {
            next = .verified
        } else if slots.allSatisfy(\.isTerminal) {
            if slots.contains(.failed) { next = .failed }
            else if slots.contains(.expired) { next = .expired }
            else { next = .cancelled }
        } else if slots.contains(.verifying) {
            next = .delivered
        } else if slots.contains(.running) {
            next = .running
        } else if slots.contains(.assigned) {
            next = .assigned
        } else {
            next = .pending
        }
        task.state = next
        guard next.isTerminal, !previous.isTerminal else { return }
        task.completedAtMilliseconds = context.now
        switch next {
        case .failed:
            changeTotals { $0.tasksFailed += 1 }
            if var program = state.programs[task.program] {
                program.tasksFailed += 1
                put(program)
            }
            emit(.taskFailed, task: task.id, worker: task.targetWorker, account: task.requester, workflow: task.workflow, detail: task.failure)
        case .expired:
            emit(.taskExpired, task: task.id, account: task.requester, workflow: task.workflow, detail: task.failure)
        default:
            break
        }
    }
}
