import ProvaCore

/// What the end-of-block passes need to know about one task, for the `WorkIndex`.
extension Ledger {
    /// Records in the work index what `task`'s current version needs from the end-of-block passes.
    mutating func noteWork(_ task: TaskRecord) {
        work.note(task, verifierWork: needsVerifierWork(task), nextDeadline: nextDeadline(of: task))
    }

    /// Rebuilds the work index from the records: after a restore, or a rollback across the end-of-block passes.
    mutating func rebuildWorkIndex() {
        work = WorkIndex()
        for task in state.tasks.values where !task.slots.allSatisfy(\.state.isTerminal) { noteWork(task) }
        work.workflows = Set(state.openWorkflows)
    }

    /// The earliest time after which the deadline pass has something to do for `task`: an acceptance window, a run
    /// deadline, a verifier's commitment or reveal window, an attempt's verification deadline or a slot's pending limit. The pass acts when the block time is later.
    func nextDeadline(of task: TaskRecord) -> Milliseconds? {
        var earliest: Milliseconds?
        func consider(_ deadline: Milliseconds) { earliest = Swift.min(earliest ?? deadline, deadline) }
        for attempt in task.attempts {
            switch attempt.state {
            case .assigned: consider(attempt.acceptDeadlineMilliseconds)
            case .running: if let deadline = attempt.runDeadlineMilliseconds { consider(deadline) }
            case .delivered:
                for duty in attempt.verifiers where duty.state == .pending { consider(duty.deadlineMilliseconds) }
                if let reveal = attempt.revealDeadlineMilliseconds { consider(reveal) }
                if let delivered = attempt.deliveredAtMilliseconds { consider(delivered + state.parameters.verificationTimeoutMilliseconds) }
            default: break
            }
        }
        for slot in task.slots where slot.state == .waiting { consider(slot.waitingSinceMilliseconds + state.parameters.maxPendingMilliseconds) }
        return earliest
    }

    /// Whether the verifier pass would change `task`: a delivered attempt without verifiers yet, with verifiers to
    /// draw or replace, or out of verifiers without a verdict — the pass's own conditions.
    func needsVerifierWork(_ task: TaskRecord) -> Bool {
        guard task.slots.contains(where: { $0.state == .verifying }) else { return false }
        let replacements = state.parameters.maxVerifierReplacements
        return task.attempts.contains { attempt in
            attempt.state == .delivered && (attempt.verifiers.isEmpty || attempt.verifiersMissing(replacements: replacements) > 0
                || attempt.verificationExhausted(replacements: replacements))
        }
    }
}

/// How far a delivered attempt's verification has come, for the verifier pass, the vote handlers and the work index alike.
extension Attempt {
    var pendingVerifiers: Int { verifiers.reduce(0) { $0 + ($1.state == .pending ? 1 : 0) } }
    var committedVerifiers: Int { verifiers.reduce(0) { $0 + ($1.state == .committed ? 1 : 0) } }
    var validVotes: Int { verifiers.reduce(0) { $0 + ($1.state == .voted && $1.vote == .valid ? 1 : 0) } }
    var invalidVotes: Int { verifiers.reduce(0) { $0 + ($1.state == .voted && $1.vote == .invalid ? 1 : 0) } }
    var revealsOpen: Bool { revealDeadlineMilliseconds != nil }

    /// The verdict of a strict majority of the needed votes, once there is one (an `error` vote is no side).
    var majority: Verdict? {
        if validVotes * 2 > verifiersNeeded { return .valid }
        if invalidVotes * 2 > verifiersNeeded { return .invalid }
        return nil
    }

    /// Verifiers to draw now: enough for the revealed and the outstanding votes to reach the needed count, or one more
    /// to break a split — never while reveals are open (a newcomer would see them), within the replacements allowed.
    func verifiersMissing(replacements: Int) -> Int {
        guard !revealsOpen, majority == nil, verifiersNeeded > 0 else { return 0 }
        let outstanding = pendingVerifiers + committedVerifiers
        var wanted = verifiersNeeded - validVotes - invalidVotes - outstanding
        if wanted <= 0 && outstanding == 0 { wanted = 1 }
        return Swift.max(0, Swift.min(wanted, verifiersNeeded + replacements - verifiers.count))
    }

    /// Every vote is in, none is a majority, and no more verifiers may be drawn: the attempt is inconclusive.
    func verificationExhausted(replacements: Int) -> Bool {
        verifiersNeeded > 0 && !revealsOpen && pendingVerifiers + committedVerifiers == 0 && majority == nil
            && verifiers.count >= verifiersNeeded + replacements
    }

    /// Reveals may open: nobody drawn is still to commit, and the commitments with the votes already revealed can
    /// decide (or no more verifiers may be drawn).
    func mayOpenReveals(replacements: Int) -> Bool {
        !revealsOpen && pendingVerifiers == 0 && committedVerifiers > 0
            && (committedVerifiers + validVotes + invalidVotes >= verifiersNeeded || verifiers.count >= verifiersNeeded + replacements)
    }
}
