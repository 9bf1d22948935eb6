import ProvaCore

/// CommitVote and RevealVote (docs/PROTOCOL.md "Verification"): a verifier commits to its vote, reveals once every
/// drawn verifier has committed or missed its window, and the attempt is decided when every commitment is opened or
/// the reveal window has closed — so a vote cannot be copied, and no verifier gains by voting first.
extension Ledger {
    mutating func commitVote(_ body: CommitVote, by sender: Address) throws {
        var (task, index) = try duty(of: sender, task: body.task, attempt: body.attempt)
        var attempt = task.attempts[body.attempt - 1]
        var duty = attempt.verifiers[index]
        if duty.state == .released, duty.commitment == nil {
            task.attempts[body.attempt - 1].verifiers[index].commitment = body.commitment
            acceptLate(&task, worker: sender, attempt: body.attempt, step: "commitment")
            return
        }
        guard duty.state == .pending, attempt.state == .delivered else {
            throw LedgerError(duty.state == .committed || duty.state == .voted ? .alreadyVoted : .voteClosed,
                              duty.state == .committed || duty.state == .voted
                                ? "\(sender) already committed a vote on attempt \(body.attempt)"
                                : "\(sender)'s duty on attempt \(body.attempt) is no longer open (\(duty.state.rawValue))")
        }
        guard context.now <= duty.deadlineMilliseconds else {
            throw LedgerError(.deadlinePassed, "the commitment deadline passed at \(duty.deadlineMilliseconds)")
        }
        duty.state = .committed
        duty.commitment = body.commitment
        attempt.verifiers[index] = duty
        task.attempts[body.attempt - 1] = attempt
        // The run is over once the verifier knows its vote: its resources are free for other work.
        release(sender, verifierResources(task))
        emit(.voteCommitted, task: task.id, attempt: body.attempt, worker: sender)
        openRevealsIfReady(&task, attempt: body.attempt)
        put(task)
    }

    mutating func revealVote(_ body: RevealVote, by sender: Address) throws {
        var (task, index) = try duty(of: sender, task: body.task, attempt: body.attempt)
        var attempt = task.attempts[body.attempt - 1]
        var duty = attempt.verifiers[index]
        if duty.state == .released, duty.vote == nil {
            task.attempts[body.attempt - 1].verifiers[index].vote = body.verdict
            acceptLate(&task, worker: sender, attempt: body.attempt, step: "\(body.verdict.rawValue) reveal")
            return
        }
        guard duty.state == .committed, attempt.state == .delivered, let commitment = duty.commitment else {
            throw LedgerError(duty.state == .voted ? .alreadyVoted : duty.state == .pending ? .revealsNotOpen : .voteClosed,
                              duty.state == .voted ? "\(sender) already revealed its vote on attempt \(body.attempt)"
                                : duty.state == .pending ? "commit the vote first (CommitVote), then reveal it once reveals open"
                                : "\(sender)'s duty on attempt \(body.attempt) is no longer open (\(duty.state.rawValue))")
        }
        guard let revealDeadline = attempt.revealDeadlineMilliseconds else {
            throw LedgerError(.revealsNotOpen, "reveals on attempt \(body.attempt) open once every drawn verifier has committed; wait for the revealRequested event")
        }
        guard context.now <= revealDeadline else {
            throw LedgerError(.deadlinePassed, "the reveal deadline passed at \(revealDeadline)")
        }
        guard body.transcript.checked == task.checkedDigest(attempt: body.attempt) else {
            throw LedgerError(.revealMismatch, "the transcript names proof files other than attempt \(body.attempt)'s: check the files the attempt delivered")
        }
        guard VoteCommitment.make(verdict: body.verdict, salt: body.salt, verifier: sender, task: body.task, attempt: body.attempt,
                                  transcript: body.transcript) == commitment else {
            throw LedgerError(.revealMismatch, "vote, salt and transcript do not open the commitment \(commitment.prefix(16))…; reveal exactly what was committed")
        }
        duty.state = .voted
        duty.vote = body.verdict
        duty.transcript = body.transcript
        attempt.verifiers[index] = duty
        task.attempts[body.attempt - 1] = attempt
        if var worker = state.workers[sender] {
            worker.votesCast += 1
            put(worker)
        }
        emit(.voteCast, task: task.id, attempt: body.attempt, worker: sender, detail: body.verdict.rawValue)
        if task.attempts[body.attempt - 1].committedVerifiers == 0 { closeReveals(&task, attempt: body.attempt) }
        put(task)
    }

    /// A duty released because its attempt ended first (cancelled, or out of time): its first commitment and first
    /// reveal are accepted as no-ops, so an honest verifier racing the end sees no error (and its later transactions keep
    /// their nonces in sequence). Each is recorded on the duty, so a second one is refused: no free writes.
    private mutating func acceptLate(_ task: inout TaskRecord, worker: Address, attempt: Int, step: String) {
        emit(.voteCast, task: task.id, attempt: attempt, worker: worker, detail: "\(step) after the attempt ended; not counted")
        put(task)
    }

    /// The task and the index of `sender`'s latest duty on the attempt, for a vote on an attempt still being verified.
    private func duty(of sender: Address, task id: TaskID, attempt number: Int) throws -> (TaskRecord, Int) {
        guard let task = state.tasks[id] else { throw LedgerError(.unknownTask, "no task \(id)") }
        guard number >= 1, number <= task.attempts.count else {
            throw LedgerError(.unknownAttempt, "task \(id) has no attempt \(number)")
        }
        let attempt = task.attempts[number - 1]
        guard let index = attempt.verifiers.lastIndex(where: { $0.worker == sender }) else {
            throw LedgerError(.notVerifier, "\(sender) was not chosen to verify attempt \(number) of task \(id)")
        }
        return (task, index)
    }

    /// Opens reveals once no drawn verifier is still to commit and the commitments in hand can decide the attempt
    /// (or no more verifiers may be drawn): every committed verifier is asked to reveal by the reveal deadline.
    mutating func openRevealsIfReady(_ task: inout TaskRecord, attempt number: Int) {
        let attempt = task.attempts[number - 1]
        guard attempt.state == .delivered, attempt.mayOpenReveals(replacements: state.parameters.maxVerifierReplacements) else { return }
        let deadline = context.now + state.parameters.revealWindowMilliseconds
        task.attempts[number - 1].revealDeadlineMilliseconds = deadline
        for duty in attempt.verifiers where duty.state == .committed {
            emit(.revealRequested, task: task.id, attempt: number, worker: duty.worker, deadline: deadline)
        }
    }

    /// Every commitment is opened or its reveal window closed: decide by the strict majority of the needed votes, or,
    /// without one, draw more verifiers (a later block) — and when no more may be drawn, the attempt is inconclusive.
    mutating func closeReveals(_ task: inout TaskRecord, attempt number: Int) {
        task.attempts[number - 1].revealDeadlineMilliseconds = nil
        let attempt = task.attempts[number - 1]
        let needed = attempt.verifiersNeeded
        let unverified = needed < Int(task.verifierCount)
        switch attempt.majority {
        case .valid:
            decide(&task, attempt: number, verdict: .valid, unverified: unverified, detail: "\(attempt.validVotes) of \(needed) verifiers found it valid")
        case .invalid:
            decide(&task, attempt: number, verdict: .invalid, detail: "\(attempt.invalidVotes) of \(needed) verifiers found it invalid")
        default:
            if attempt.verificationExhausted(replacements: state.parameters.maxVerifierReplacements) {
                decide(&task, attempt: number, verdict: .error,
                       detail: "verification inconclusive (\(attempt.validVotes) valid, \(attempt.invalidVotes) invalid of \(needed) needed)")
            } else {
                task.attempts[number - 1].verifierDrawCauseHeight = context.height
            }
        }
    }
}
