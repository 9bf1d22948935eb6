import ProvaCore

/// The active workers with free capacity, as compact arrays, built once per assignment pass (in address order, so
/// every validator builds the same one). Drawing from it avoids a dictionary lookup and a record copy per candidate,
/// which is what made a busy network's assignment pass scale with the number of workers per waiting task.
struct RoomIndex {
    var addresses: [Address] = []
    var free: [Resources] = []

    init(state: LedgerState) {
        addresses.reserveCapacity(state.selectable.count)
        free.reserveCapacity(state.selectable.count)
        for address in state.selectable {
            guard let worker = state.workers[address], worker.status == .active else { continue }
            let room = worker.free
            guard room.cpuMillicores > 0, room.memoryBytes > 0 else { continue }
            addresses.append(address)
            free.append(room)
        }
    }

    /// Uniform over the candidates with room for `resources` not in `excluded`: rejection sampling over all of them,
    /// then an exact scan — uniform over the eligible ones either way.
    func draw(_ resources: Resources, excluding excluded: [Address], random: inout SeededGenerator) -> Int? {
        guard !addresses.isEmpty else { return nil }
        for _ in 0..<32 {
            let index = random.below(addresses.count)
            if resources.fits(in: free[index]), !excluded.contains(addresses[index]) { return index }
        }
        var eligible: [Int] = []
        for index in addresses.indices where resources.fits(in: free[index]) && !excluded.contains(addresses[index]) {
            eligible.append(index)
        }
        return eligible.isEmpty ? nil : eligible[random.below(eligible.count)]
    }

    mutating func take(_ resources: Resources, at index: Int) {
        free[index] = free[index] - resources
    }
}
