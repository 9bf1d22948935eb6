import ProvaCore

/// The verifier pass: drawing verifiers for delivered attempts, replacing missing ones, waiting while none has room,
/// and closing an attempt that ran out of verifiers without a verdict.
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
                    // Before the first draw: how many votes decide it (fewer when fewer workers could ever verify).
                    let needed = min(Int(task.verifierCount), possibleVerifiers(for: task))
                    if needed != task.attempts[index].verifiersNeeded {
                        task.attempts[index].verifiersNeeded = needed
                        changed = true
                    }
                    if needed == 0 {
                        changed = true
                        if task.kind == .verification {
                            decide(&task, attempt: number, verdict: .error, detail: "no worker could verify it")
                        } else {
                            decide(&task, attempt: number, verdict: .valid, unverified: true, detail: "accepted unverified: no eligible verifier exists")
                        }
                        continue
                    }
                }
                if task.attempts[index].verificationExhausted(replacements: parameters.maxVerifierReplacements) {
                    changed = true
                    let attempt = task.attempts[index]
                    decide(&task, attempt: number, verdict: .error,
                           detail: "verification inconclusive (\(attempt.validVotes) valid, \(attempt.invalidVotes) invalid of \(attempt.verifiersNeeded) needed)")
                    continue
                }
                let missing = task.attempts[index].verifiersMissing(replacements: parameters.maxVerifierReplacements)
                guard missing > 0 else { continue }
                let chosen = drawVerifiers(for: &task, attempt: number, count: missing)
                if chosen.count < missing {
                    // No verdict on too few votes: the attempt waits for a verifier with room (a later block), bounded by
                    // its verification deadline.
                    deferred = true
                }
                guard !chosen.isEmpty else { continue }
                changed = true
                let deadline = context.now + verifierTimeLimit(task) * 1000 + parameters.voteGraceMilliseconds
                for worker in chosen {
                    task.attempts[index].verifiers.append(VerifierDuty(worker: worker, drawnAtMilliseconds: context.now, deadlineMilliseconds: deadline, state: .pending, vote: nil))
                    reserve(worker, verifierResources(task))
                    emit(.verifierAssigned, task: task.id, attempt: number, worker: worker, deadline: deadline)
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
