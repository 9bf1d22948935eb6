import ProvaCore

/// The work done after a block's transactions (DESIGN §4–§7), in a fixed order: deadlines, worker releases and
/// capacity tests, workflows, verifier draws, prover assignments. Each pass lives with its mechanism.
extension Ledger {
    mutating func runEndOfBlock() {
        if state.candidatesAreStale { rebuildCandidates() }
        if work.isStale { rebuildWorkIndex() }
        expireDeadlines()
        releaseWorkers()
        scheduleIdleTests()
        advanceWorkflows()
        if state.candidatesAreStale { rebuildCandidates() }
        // Finishing work beats starting work: verifiers are drawn before new provers take the capacity.
        drawVerifiersForDeliveredAttempts()
        assignProvers()
    }
}
