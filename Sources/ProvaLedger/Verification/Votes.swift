import ProvaCore

/// SubmitVote and the tally of an attempt's votes.
extension Ledger {
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
