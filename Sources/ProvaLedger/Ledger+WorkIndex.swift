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
    /// draw or replace, or with every drawn verifier done and a decision to make. Mirrors that pass's conditions.
    func needsVerifierWork(_ task: TaskRecord) -> Bool {
        guard task.slots.contains(where: { $0.state == .verifying }) else { return false }
        let replacements = state.parameters.maxVerifierReplacements
        for attempt in task.attempts where attempt.state == .delivered {
            let needed = attempt.verifiersNeeded
            if attempt.verifiers.isEmpty || needed == 0 { return true }
            var pending = 0, voted = 0
            for duty in attempt.verifiers {
                if duty.state == .pending { pending += 1 } else if duty.state == .voted { voted += 1 }
            }
            let room = needed + replacements - attempt.verifiers.count
            if Swift.min(needed - pending - voted, room) > 0 { return true }
            if pending == 0 && (voted >= needed || attempt.verifiers.count >= needed + replacements) { return true }
        }
        return false
    }
}
