import ProvaCore

/// The active workers with free capacity, as compact arrays, built once per assignment pass (in address order, so
/// every validator builds the same one). Drawing from it avoids a dictionary lookup and a record copy per candidate,
/// which is what made a busy network's assignment pass scale with the number of workers per waiting task.
struct RoomIndex {
    var addresses: [Address] = []
    var free: [Resources] = []
    var capacity: [Resources] = []
    /// Shapes for which a tier had no room in this pass (with nobody excluded); capacity only shrinks during the pass.
    private var noRoom: [Placement.Tier: [Resources]] = [:]

    init(state: LedgerState) {
        addresses.reserveCapacity(state.selectable.count)
        free.reserveCapacity(state.selectable.count)
        capacity.reserveCapacity(state.selectable.count)
        for address in state.selectable {
            guard let worker = state.workers[address], worker.status == .active else { continue }
            let room = worker.free
            guard room.cpuMillicores > 0, room.memoryBytes > 0 else { continue }
            addresses.append(address)
            free.append(room)
            capacity.append(worker.capacity)
        }
    }

    /// A worker for `resources` by `placement`, never one of `excluded`; nil when no candidate has room.
    mutating func draw(_ resources: Resources, excluding excluded: [Address], placement: Placement, random: inout SeededGenerator) -> Int? {
        placement.choose(for: resources, draw: { tier, first in
            if first == nil, excluded.isEmpty, noRoom[tier, default: []].contains(where: { $0.fits(in: resources) }) { return nil }
            let drawn = drawUniform(random: &random) { index in
                index != first && tier.admits(capacity: capacity[index]) && resources.fits(in: free[index]) && !excluded.contains(addresses[index])
            }
            if drawn == nil, first == nil, excluded.isEmpty { noRoom[tier, default: []].append(resources) }
            return drawn
        }, room: { (free[$0], capacity[$0]) })
    }

    /// Uniform over the candidates for which `eligible` holds: rejection sampling over all of them, then an exact
    /// scan — uniform over the eligible ones either way.
    private func drawUniform(random: inout SeededGenerator, _ eligible: (Int) -> Bool) -> Int? {
        guard !addresses.isEmpty else { return nil }
        for _ in 0..<32 {
            let index = random.below(addresses.count)
            if eligible(index) { return index }
        }
        var candidates: [Int] = []
        for index in addresses.indices where eligible(index) { candidates.append(index) }
        return candidates.isEmpty ? nil : candidates[random.below(candidates.count)]
    }

    mutating func take(_ resources: Resources, at index: Int) {
        free[index] = free[index] - resources
    }
}
