import ProvaCore
public import ProvaLedger

/// The invariants every block must keep (DESIGN §6–§7), checked from the ledger's public state alone.
public enum Invariants {
    /// Throws the first broken invariant: money conserved; every worker's reservation within its capacity and
    /// equal to what its open prover attempts and pending verifier duties hold.
    public static func check(_ state: LedgerState) throws {
        let supply = state.supply()
        guard supply.isConserved else {
            throw SimError(.notConserved, "after block \(state.height) minted \(supply.minted) ≠ balances \(supply.balances) + escrow \(supply.escrow) + stakes \(supply.stakes) + treasury \(supply.treasury) + burned \(supply.burned)")
        }
        var expected: [Address: Resources] = [:]
        for id in state.openTaskIDs {
            guard let task = state.tasks[id] else { continue }
            let verifier = state.programs[task.program]?.deploy.verifierResources ?? task.resources
            for attempt in task.attempts {
                if let worker = attempt.worker, attempt.state == .assigned || attempt.state == .running {
                    expected[worker, default: .zero] = expected[worker, default: .zero] + task.resources
                }
                for duty in attempt.verifiers where duty.state == .pending {
                    expected[duty.worker, default: .zero] = expected[duty.worker, default: .zero] + verifier
                }
            }
        }
        for (address, worker) in state.workers {
            guard worker.reserved.isNonNegative, worker.reserved.fits(in: worker.capacity) else {
                throw SimError(.overCapacity, "after block \(state.height) worker \(address) reserves \(worker.reserved.summary) of \(worker.capacity.summary)")
            }
            let held = expected[address] ?? .zero
            guard held == worker.reserved else {
                throw SimError(.reservationMismatch, "after block \(state.height) worker \(address) reserves \(worker.reserved.summary) but its open work holds \(held.summary)")
            }
        }
    }
}
