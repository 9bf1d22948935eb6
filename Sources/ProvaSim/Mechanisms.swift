public import ProvaCore
public import ProvaLedger

/// The comparison mechanisms as the ledger's `SelectionPolicy`. Random allocation needs none: it is the ledger's own.
public enum Mechanisms {
    /// The policy a mechanism installs on the ledger, if any. Racing draws its k provers uniformly (it differs by
    /// who is paid, not who is drawn), so it installs none.
    public static func policy(for mechanism: Mechanism, fleet: Fleet) -> (any SelectionPolicy)? {
        switch mechanism {
        case .random, .uniform, .race: return nil
        case .stake: return StakeLottery()
        case .auction: return ReverseAuction(bids: Dictionary(uniqueKeysWithValues: fleet.workers.map { ($0.address, $0.bid) }))
        }
    }
}

/// Stake-weighted lottery: probability proportional to the worker's stake on the ledger.
public struct StakeLottery: SelectionPolicy {
    public init() {}

    public func chooseProver(among eligible: [Worker], for task: TaskRecord, random: inout SeededGenerator) -> Address? {
        var total: UInt64 = 0
        for worker in eligible { total += UInt64(max(worker.stake, 0)) }
        guard total > 0 else { return eligible.isEmpty ? nil : eligible[random.below(eligible.count)].address }
        // Integer draw in [0, total): the modulo bias is below total / 2^64, negligible for any realistic stake sum.
        var target = random.next() % total
        for worker in eligible {
            let stake = UInt64(max(worker.stake, 0))
            if target < stake { return worker.address }
            target -= stake
        }
        return eligible.last?.address
    }
}

/// Lowest-bid reverse auction: every worker with room bids its operator's cost; the lowest wins, ties at random.
public struct ReverseAuction: SelectionPolicy {
    public let bids: [Address: Double]

    public init(bids: [Address: Double]) { self.bids = bids }

    public func chooseProver(among eligible: [Worker], for task: TaskRecord, random: inout SeededGenerator) -> Address? {
        var best: [Address] = []
        var lowest = Double.infinity
        for worker in eligible {
            let bid = bids[worker.address] ?? 1.0
            if bid < lowest {
                lowest = bid
                best = [worker.address]
            } else if bid == lowest {
                best.append(worker.address)
            }
        }
        return best.isEmpty ? nil : best[random.below(best.count)]
    }
}
