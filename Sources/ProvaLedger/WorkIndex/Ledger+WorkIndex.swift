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
    /// deadline, a verifier's vote window or a slot's pending limit. The pass acts when the block time is later.
    func nextDeadline(of task: TaskRecord) -> Milliseconds? {
        var earliest: Milliseconds?
        func consider(_ deadline: Milliseconds) { earliest = Swift.min(earliest ?? deadline, deadline) }
        for attempt in task.attempts {
            switch attempt.state {
            case .assigned: consider(attempt.acceptDeadlineMilliseconds)
            case .running: if let deadline = attempt.runDeadlineMilliseconds { consider(deadline) }
            case .delivered: for duty in attempt.verifiers where duty.state == .pending { consider(duty.deadlineMilliseconds) }
            default: break
            }
        }
        for slot in task.slots where slot.state == .waiting { consider(slot.waitingSinceMilliseconds + state.parameters.maxPendingMilliseconds) }
        return earliest
    }

    /// Whether the verifier pass would change `task`: a delivered attempt without verifiers yet, with verifiers to
    /// draw or replace, or with every drawn verifier done and a decision to make — the pass's own conditions.
    func needsVerifierWork(_ task: TaskRecord) -> Bool {
        guard task.slots.contains(where: { $0.state == .verifying }) else { return false }
        let replacements = state.parameters.maxVerifierReplacements
        return task.attempts.contains { attempt in
            attempt.state == .delivered && (attempt.verifiers.isEmpty || attempt.verifiersNeeded == 0
                || attempt.verifiersMissing(replacements: replacements) > 0 || attempt.verifiersExhausted(replacements: replacements))
        }
    }
}

/// How far a delivered attempt's verification has come, for the verifier pass and the work index alike.
extension Attempt {
    var pendingVerifiers: Int { verifiers.filter { $0.state == .pending }.count }
    var votedVerifiers: Int { verifiers.filter { $0.state == .voted }.count }

    /// Verifiers to draw now: those still needed, within the replacements allowed.
    func verifiersMissing(replacements: Int) -> Int {
        Swift.min(verifiersNeeded - pendingVerifiers - votedVerifiers, verifiersNeeded + replacements - verifiers.count)
    }

    /// No drawn verifier is still pending, and enough have voted or no more may be drawn: decide with the votes in hand.
    func verifiersExhausted(replacements: Int) -> Bool {
        pendingVerifiers == 0 && (votedVerifiers >= verifiersNeeded || verifiers.count >= verifiersNeeded + replacements)
    }
}
