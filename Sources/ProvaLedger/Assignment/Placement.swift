import ProvaCore

/// How a draw chooses among the eligible workers (docs/PROTOCOL.md, "Placement"). Every validator uses `.tiered`;
/// `.uniform` is DESIGN §5 as first written, kept so the simulator can compare the two.
public enum Placement: String, Sendable, Codable, CaseIterable {
    /// One uniform draw among every eligible worker.
    case uniform
    /// A draw for resources without GPUs is made among the eligible workers without GPUs while any has room, and
    /// among GPU workers only otherwise; two candidates are drawn uniformly in that tier and the one left with less
    /// free room (a tighter fit) takes the work. Small jobs then stop fragmenting GPU nodes and half-empty nodes,
    /// which keeps room for whole-node jobs; an operator cannot buy the draw, and no worker's chance of being a
    /// candidate is more than twice the uniform one.
    case tiered

    /// Candidates drawn per placement.
    var choices: Int { self == .tiered ? 2 : 1 }

    /// The tiers to try in order: for work without GPUs, GPU-less workers first; otherwise a single tier.
    func tiers(for resources: Resources) -> [Tier] {
        self == .tiered && resources.gpus == 0 ? [.withoutGPUs, .withGPUs] : [.any]
    }

    enum Tier: Hashable {
        case any, withoutGPUs, withGPUs

        /// Mixed into a placement's word to seed this tier's generator (docs/PROTOCOL.md, "Selection").
        var stream: UInt64 {
            switch self {
            case .any: 0
            case .withoutGPUs: 1
            case .withGPUs: 2
            }
        }

        func admits(capacity: Resources) -> Bool {
            switch self {
            case .any: return true
            case .withoutGPUs: return capacity.gpus == 0
            case .withGPUs: return capacity.gpus > 0
            }
        }
    }

    /// The procedure every draw follows, whatever holds the candidates: tier by tier, a first uniform candidate, then
    /// (`.tiered`) a second, distinct one; the one left with less free room wins, a tie goes to the first.
    /// `draw(tier, first)` draws uniformly among the eligible candidates of `tier` other than `first`; `room` gives a
    /// candidate's free and declared capacity.
    func choose<Candidate>(for resources: Resources, draw: (Tier, Candidate?) -> Candidate?,
                           room: (Candidate) -> (free: Resources, capacity: Resources)) -> Candidate? {
        for tier in tiers(for: resources) {
            guard let first = draw(tier, nil) else { continue }
            guard choices > 1, let second = draw(tier, first) else { return first }
            let (firstRoom, secondRoom) = (room(first), room(second))
            let firstLeft = Self.leftover(free: firstRoom.free, capacity: firstRoom.capacity, after: resources)
            let secondLeft = Self.leftover(free: secondRoom.free, capacity: secondRoom.capacity, after: resources)
            return secondLeft < firstLeft ? second : first
        }
        return nil
    }

    /// What is left free on a worker after placing `resources`, as a sum of fractions of its capacity (in millionths,
    /// integer arithmetic so every validator computes the same). Smaller is a tighter fit.
    static func leftover(free: Resources, capacity: Resources, after resources: Resources) -> Int64 {
        // In Int128: declared capacities are bounded, but a product must never be what stops a validator.
        func share(_ left: Int64, _ total: Int64) -> Int64 {
            total > 0 ? Int64(truncatingIfNeeded: Int128(left) * 1_000_000 / Int128(total)) : 0
        }
        return share(free.cpuMillicores - resources.cpuMillicores, capacity.cpuMillicores)
            + share(free.memoryBytes / Units.mib - resources.memoryBytes / Units.mib, capacity.memoryBytes / Units.mib)
            + share(free.gpus - resources.gpus, capacity.gpus)
    }
}
