import ProvaCore

/// The undo log that makes a transaction — or a whole block — all or nothing: every change to the state records how
/// to undo itself while a journal is open (`Block/Records.swift`), and a rollback replays those undos newest first.
/// A proposer journals each transaction (to leave a failing one out); `apply` journals the whole block; `check`
/// journals a dry run it always rolls back.
extension Ledger {
    mutating func beginJournal() -> Int {
        if journal == nil { journal = [] }
        let totals = state.totals
        let openWorkflows = state.openWorkflows.count
        let stale = state.candidatesAreStale
        let generation = state.candidatesGeneration
        journal?.append { state in
            state.totals = totals
            if state.openWorkflows.count > openWorkflows { state.openWorkflows.removeSubrange(openWorkflows...) }
            // A rebuild of the candidate index during the undone work saw records the rollback has just put back.
            state.candidatesAreStale = stale || state.candidatesAreStale || state.candidatesGeneration != generation
        }
        return (journal?.count ?? 1) - 1
    }

    mutating func rollBack(to checkpoint: Int) {
        guard var entries = journal else { return }
        while entries.count > checkpoint {
            let undo = entries.removeLast()
            undo(&state)
        }
        journal = entries
    }

    mutating func endJournal() {
        journal = nil
    }

    /// Records how to undo a change about to be made, when a journal is open.
    @inline(__always)
    mutating func record(_ undo: @escaping @Sendable (inout LedgerState) -> Void) {
        if journal != nil { journal?.append(undo) }
    }
}

