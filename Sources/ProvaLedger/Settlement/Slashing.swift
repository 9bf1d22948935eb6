import ProvaCore

/// Taking stake from a worker that failed its duty.
extension Ledger {
    /// Takes up to `amount` from a worker's stake into the treasury; returns what was taken.
    @discardableResult
    mutating func slash(_ address: Address, _ amount: MicroCredits, task: TaskID, attempt: Int, reason: String) -> MicroCredits {
        guard var worker = state.workers[address], amount > 0 else { return 0 }
        let taken = min(amount, worker.stake)
        guard taken > 0 else { return 0 }
        worker.stake -= taken
        worker.slashed = worker.slashed.saturatingAdd(taken)
        put(worker)
        changeTotals { $0.treasury += taken }
        emit(.slashed, task: task, attempt: attempt, worker: address, amount: taken, detail: reason)
        if worker.stake < state.parameters.minWorkerStake {
            jail(address, reason: "stake \(Units.formatCredits(worker.stake)) is below the minimum; register again with more stake", until: nil)
        }
        return taken
    }
}
