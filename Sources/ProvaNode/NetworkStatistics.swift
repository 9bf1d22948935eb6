import ProvaCore
import ProvaLedger

/// `GET /v1/stats`: computed from the ledger's records, in block time.
enum NetworkStatistics {
    static func compute(_ state: LedgerState, mempoolSize: Int) -> NetworkStats {
        let now = state.lastTimestampMilliseconds
        let dayAgo = now - 24 * 3_600_000
        var latencies: [Int64] = []
        var deliveries: [Int64] = []
        var byState: [String: Int] = [:]
        var finished = 0
        var verified = 0
        for task in state.tasks.values where task.kind != .capacityTest {
            byState[task.state.rawValue, default: 0] += 1
            if task.state.isAccepted || task.state == .failed || task.state == .expired {
                finished += 1
                if task.state == .verified { verified += 1 }
            }
            if task.state == .verified, let completed = task.completedAtMilliseconds, completed >= dayAgo {
                latencies.append(completed - task.submittedAtMilliseconds)
            }
            if let delivered = task.deliveredAtMilliseconds, delivered >= dayAgo {
                deliveries.append(delivered - task.submittedAtMilliseconds)
            }
        }
        latencies.sort()
        deliveries.sort()
        var byStatus: [String: Int] = [:]
        var capacity = Resources.zero
        var reserved = Resources.zero
        for worker in state.workers.values {
            byStatus[worker.status.rawValue, default: 0] += 1
            if worker.status == .active {
                capacity = capacity + worker.capacity
                reserved = reserved + worker.reserved
            }
        }
        let utilization = capacity.cpuMillicores > 0 ? Double(reserved.cpuMillicores) / Double(capacity.cpuMillicores) * 100 : 0
        return NetworkStats(
            height: state.height, tasksSubmitted: state.totals.tasksSubmitted, tasksVerified: state.totals.tasksVerified,
            tasksFailed: state.totals.tasksFailed, fallbacks: state.totals.fallbacks, proofsLast24Hours: Int64(latencies.count),
            latencyP50Milliseconds: percentile(latencies, 50), latencyP90Milliseconds: percentile(latencies, 90),
            latencyP99Milliseconds: percentile(latencies, 99), deliveryP50Milliseconds: percentile(deliveries, 50),
            fulfilmentPercent: finished > 0 ? Double(verified) / Double(finished) * 100 : nil, utilizationPercent: utilization,
            activeWorkers: byStatus["active"] ?? 0, workersByStatus: byStatus, tasksByState: byState, capacity: capacity, reserved: reserved,
            treasury: state.totals.treasury, burned: state.totals.burned, minted: state.totals.minted, mempoolSize: mempoolSize)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(Int((Double(percent) / 100 * Double(sorted.count)).rounded(.up)) - 1, 0)
        return sorted[min(rank, sorted.count - 1)]
    }
}
