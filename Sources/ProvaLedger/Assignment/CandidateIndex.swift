import ProvaCore

/// The one population every draw samples (DESIGN §5, docs/PROTOCOL.md "Selection"): the active workers in address
/// order, with their free and declared capacity in compact arrays. Prover draws, fallbacks, verifier draws, prover
/// sets and the simulator's comparison policies all filter this index; nothing else picks a worker at random.
///
/// Derived from the worker records, never part of the state digest: rebuilt when a worker's status, capacity or
/// prover sets change, and kept current in place as capacity is reserved and released (the hottest write of a block).
struct CandidateIndex: Sendable {
    private(set) var addresses: [Address] = []
    private(set) var free: [Resources] = []
    private(set) var capacity: [Resources] = []
    /// Positions of the workers that declare GPUs, and of those that do not (ascending): a draw restricted to one
    /// placement tier samples its members directly.
    private(set) var withGPUs: [Int] = []
    private(set) var withoutGPUs: [Int] = []
    private var positions: [Address: Int] = [:]

    init() {}

    /// The index of `workers`' active members.
    init(workers: [Address: Worker]) {
        let active = workers.values.filter { $0.status == .active }.sorted { $0.address < $1.address }
        addresses.reserveCapacity(active.count)
        free.reserveCapacity(active.count)
        capacity.reserveCapacity(active.count)
        for (position, worker) in active.enumerated() {
            addresses.append(worker.address)
            free.append(worker.free)
            capacity.append(worker.capacity)
            positions[worker.address] = position
            if worker.capacity.gpus > 0 { withGPUs.append(position) } else { withoutGPUs.append(position) }
        }
    }

    var count: Int { addresses.count }

    func position(of address: Address) -> Int? { positions[address] }

    /// Records a worker's new free capacity (after a reservation or release); workers outside the index are ignored.
    mutating func setFree(_ address: Address, _ room: Resources) {
        guard let position = positions[address] else { return }
        free[position] = room
    }

    /// The members of a placement tier, by position.
    func members(of tier: Placement.Tier) -> [Int] {
        switch tier {
        case .any: Array(addresses.indices)
        case .withGPUs: withGPUs
        case .withoutGPUs: withoutGPUs
        }
    }

    /// Draws a position by `placement` for work of `resources`: tier by tier; within a tier, up to two distinct
    /// uniform candidates among the eligible members (`eligible` and room for `resources`), the tighter fit winning.
    ///
    /// A placement takes one word from `random`, and each tier draws from its own generator seeded by that word and the
    /// tier, so whether a tier is drawn at all never changes what another tier draws: `noRoom` (shapes a tier had no
    /// room for earlier in the same pass, while capacity only shrinks, for draws that exclude nobody) may skip a tier
    /// without changing the outcome.
    func draw(_ resources: Resources, placement: Placement, random: inout SeededGenerator, noRoom: inout NoRoomCache?,
              eligible: (Int) -> Bool) -> Int? {
        let word = random.next()
        // The generator of the tier being drawn: a placement draws one tier at a time (a first then a second candidate).
        var current: (tier: Placement.Tier, generator: SeededGenerator)?
        return placement.choose(for: resources, draw: { tier, first in
            if first == nil, noRoom?.hasNoRoom(in: tier, for: resources) == true { return nil }
            var generator = current?.tier == tier ? current?.generator ?? SeededGenerator(word: word, stream: tier.stream)
                : SeededGenerator(word: word, stream: tier.stream)
            defer { current = (tier, generator) }
            let drawn = uniform(among: tier, random: &generator) { position in
                position != first && tier.admits(capacity: capacity[position]) && resources.fits(in: free[position]) && eligible(position)
            }
            if drawn == nil, first == nil { noRoom?.noteNoRoom(in: tier, for: resources) }
            return drawn
        }, room: { (free[$0], capacity[$0]) })
    }

    /// Uniform over the members of `tier` for which `eligible` holds: up to 32 rejection-sampling draws over the tier,
    /// then an exact scan of it. Either path is uniform over the eligible members, and the first is usually enough.
    func uniform(among tier: Placement.Tier, random: inout SeededGenerator, _ eligible: (Int) -> Bool) -> Int? {
        let count = tier == .any ? addresses.count : (tier == .withGPUs ? withGPUs.count : withoutGPUs.count)
        guard count > 0 else { return nil }
        func member(_ index: Int) -> Int {
            switch tier {
            case .any: index
            case .withGPUs: withGPUs[index]
            case .withoutGPUs: withoutGPUs[index]
            }
        }
        for _ in 0..<Self.rejectionDraws {
            let position = member(random.below(count))
            if eligible(position) { return position }
        }
        var candidates: [Int] = []
        for index in 0..<count where eligible(member(index)) { candidates.append(member(index)) }
        return candidates.isEmpty ? nil : candidates[random.below(candidates.count)]
    }

    /// Rejection-sampling draws before a uniform draw scans its whole tier.
    static let rejectionDraws = 32
}

/// Shapes for which a placement tier had no room, remembered within one pass while capacity only shrinks there (the
/// prover pass): a later draw of a shape at least as large skips the tier without scanning it.
struct NoRoomCache {
    private var shapes: [Placement.Tier: [Resources]] = [:]

    func hasNoRoom(in tier: Placement.Tier, for resources: Resources) -> Bool {
        shapes[tier]?.contains { $0.fits(in: resources) } ?? false
    }

    mutating func noteNoRoom(in tier: Placement.Tier, for resources: Resources) {
        shapes[tier, default: []].append(resources)
    }
}
