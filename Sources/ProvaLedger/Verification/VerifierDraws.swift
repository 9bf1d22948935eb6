import ProvaCore

/// The verifier pass: drawing verifiers for delivered attempts, replacing missing ones, deciding when no more can be had.
extension Ledger {
    mutating func drawVerifiersForDeliveredAttempts() {
        let parameters = state.parameters
        for (sequence, id) in WorkIndex.inOrder(work.verifying) {
            // Dropped here; `put` adds it back if the task still needs this pass next block.
            work.verifying.drop(sequence, id)
            guard var task = state.tasks[id], task.slots.contains(where: { $0.state == .verifying }) else { continue }
            var changed = false
            var deferred = false
            for index in task.attempts.indices where task.attempts[index].state == .delivered {
                // Verifiers for a delivery (or to replace one that missed its vote) are drawn in a later block than
                // the one that made them necessary, by its beacon: a prover cannot time its result to a known seed.
                guard mayDraw(causedAt: task.attempts[index].verifierDrawCauseHeight) else {
                    deferred = true
                    continue
                }
                let number = index + 1
                if task.attempts[index].verifiers.isEmpty {
                    task.attempts[index].verifiersNeeded = min(Int(task.verifierCount), possibleVerifiers(for: task))
                    changed = true
                }
                let needed = task.attempts[index].verifiersNeeded
                let missing = task.attempts[index].verifiersMissing(replacements: parameters.maxVerifierReplacements)
                var short = false
                if missing > 0 {
                    let chosen = drawVerifiers(for: &task, attempt: number, count: missing)
                    changed = true
                    short = chosen.count < missing
                    let deadline = context.now + verifierTimeLimit(task) * 1000 + parameters.voteGraceMilliseconds
                    for worker in chosen {
                        task.attempts[index].verifiers.append(VerifierDuty(worker: worker, drawnAtMilliseconds: context.now, deadlineMilliseconds: deadline, state: .pending, vote: nil))
                        reserve(worker, verifierResources(task))
                        emit(.verifierAssigned, task: task.id, attempt: number, worker: worker, deadline: deadline)
                    }
                }
                let after = task.attempts[index]
                if needed == 0 {
                    changed = true
                    if task.kind == .verification {
                        decide(&task, attempt: number, verdict: .error, detail: "no worker could verify it")
                    } else {
                        decide(&task, attempt: number, verdict: .valid, detail: "accepted unverified: no eligible verifier")
                    }
                } else if after.verifiersExhausted(replacements: parameters.maxVerifierReplacements) || (short && after.pendingVerifiers == 0) {
                    // Every drawn verifier has voted or gone, and no more can be had: decide with the votes in hand.
                    changed = true
                    tally(&task, attempt: number, allowInconclusive: true)
                }
            }
            if changed {
                put(task)
            } else if deferred {
                work.verifying[sequence] = id
            }
        }
    }

    func verifierTimeLimit(_ task: TaskRecord) -> Seconds {
        state.programs[task.program]?.deploy.verifierTimeLimitSeconds ?? task.timeLimitSeconds
    }

    func verifierResources(_ task: TaskRecord) -> Resources {
        state.programs[task.program]?.deploy.verifierResources ?? task.resources
    }
}
