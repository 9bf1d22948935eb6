import ProvaCore

/// Capacity reserved on a worker from its assignment to its result or vote (DESIGN §5). Reservations change the record
/// in place through its dictionary index (no copy of the worker record) and the candidate index's free capacity with
/// it: they are the hottest write of a block.
extension Ledger {
    mutating func reserve(_ address: Address, _ resources: Resources) {
        changeReserved(address, by: resources, assignments: 1)
    }

    mutating func release(_ address: Address, _ resources: Resources) {
        changeReserved(address, by: .zero - resources, assignments: 0)
    }

    private mutating func changeReserved(_ address: Address, by delta: Resources, assignments: Int64) {
        guard let index = state.workers.index(forKey: address) else { return }
        let old = state.workers.values[index].reserved
        if journal != nil {
            record { state in
                state.workers[address]?.reserved = old
                state.workers[address]?.assignments -= assignments
                if let worker = state.workers[address] { state.candidates.setFree(address, worker.free) }
            }
        }
        state.workers.values[index].reserved = old + delta
        state.workers.values[index].assignments += assignments
        state.candidates.setFree(address, state.workers.values[index].free)
        if state.changes.workers.insert(address), journal != nil { record { $0.changes.workers.removeInserted(address) } }
    }
}
