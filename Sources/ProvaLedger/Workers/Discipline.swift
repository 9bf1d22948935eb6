import ProvaCore

/// Strikes and jail.
extension Ledger {
    mutating func strike(_ address: Address, reason: String, task: TaskID?) {
        guard var worker = state.workers[address] else { return }
        worker.strikes += 1
        emit(.workerStrike, task: task, worker: address, detail: reason)
        put(worker)
        if worker.strikes >= state.parameters.workerStrikeLimit {
            jail(address, reason: "\(worker.strikes) strikes (last: \(reason))", until: context.now + state.parameters.jailMilliseconds)
        }
    }

    /// A duty done (a verified proof, a vote on the majority side): strikes count duties failed in a row.
    mutating func clearStrikes(_ address: Address) {
        guard var worker = state.workers[address], worker.strikes > 0 else { return }
        worker.strikes = 0
        put(worker)
    }

    /// Removes a worker from selection. With `until`, it may earn its way back by passing a capacity test after that time;
    /// without, it must re-register (its stake fell below the minimum).
    mutating func jail(_ address: Address, reason: String, until: Milliseconds?) {
        guard var worker = state.workers[address], worker.status == .active || worker.status == .probation || worker.status == .jailed else { return }
        if worker.status == .jailed {
            // A second sentence never shortens the first: a worker that must re-register (nil) stays so.
            guard let current = worker.jailedUntilMilliseconds else { return }
            if let until, until <= current { return }
        }
        worker.status = .jailed
        worker.jailedUntilMilliseconds = until
        put(worker)
        emit(.workerJailed, worker: address, deadline: until, detail: reason)
    }
}
