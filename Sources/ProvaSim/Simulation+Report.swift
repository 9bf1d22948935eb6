import ProvaCore
import ProvaLedger

/// Turns the collected metrics into the run's report.
extension Simulation {
    /// The window the headline utilization averages over: after a warm-up of twice the longest time limit
    /// (at most half the arrival period) until the last arrival, so neither filling nor draining counts.
    var steadyWindow: ClosedRange<Double> {
        let end = Double((arrivalsEnded ?? now) - Self.genesisMilliseconds) / 1000
        let longest = Double(config.classes.map(\.timeLimitSeconds).max() ?? 0)
        let warmUp = min(2 * longest, end / 2)
        return warmUp...max(end, warmUp)
    }

    public func report() -> SimReport {
        let m = metrics
        var entries: [SummaryEntry] = []
        func add(_ name: String, _ value: Double, _ text: String) { entries.append(SummaryEntry(name: name, value: value, text: text)) }
        func percent(_ name: String, _ value: Double) { add(name, value, SimReport.percent(value)) }

        let window = steadyWindow
        let steady = m.samples.filter { window.contains($0.seconds) }
        let average = { (key: KeyPath<UtilizationSample, Double>) in Statistics.mean(steady.map { $0[keyPath: key] }) }

        let queue = m.classes.flatMap(\.queueBlocks).sorted()
        let latency = m.classes.flatMap(\.latencyMilliseconds).sorted()
        let submitted = m.classes.reduce(0) { $0 + $1.submitted }
        let verified = m.classes.reduce(0) { $0 + $1.verified }
        let seconds = { (value: Int64?) in Double(value ?? 0) / 1000 }

        add("mechanism", Double(Mechanism.allCases.firstIndex(of: config.mechanism) ?? 0), config.mechanism.rawValue)
        add("workers", Double(fleet.workers.count), "\(fleet.workers.count)")
        add("operators", Double(config.operators), "\(config.operators)")
        add("tasks", Double(submitted), "\(submitted)")
        add("blocks", Double(height), "\(height)")
        add("simulated_hours", Double(now - Self.genesisMilliseconds) / 3_600_000, SimReport.format(Double(now - Self.genesisMilliseconds) / 3_600_000, decimals: 2))
        percent("offered_load", config.load)
        percent("utilization", average(\.priced))
        percent("utilization_cpu", average(\.cpu))
        percent("utilization_memory", average(\.memory))
        percent("utilization_gpu", average(\.gpu))
        for (name, p) in [("p50", 50.0), ("p99", 99.0)] {
            let value = Double(Statistics.percentileOfSorted(queue, p) ?? 0)
            add("\(name)_queue_blocks", value, SimReport.format(value, decimals: 0))
        }
        add("max_queue_blocks", Double(queue.last ?? 0), "\(queue.last ?? 0)")
        for (name, p) in [("p50", 50.0), ("p99", 99.0)] {
            let value = seconds(Statistics.percentileOfSorted(latency, p))
            add("\(name)_latency_s", value, SimReport.format(value, decimals: 1))
        }
        percent("fulfilment_rate", submitted > 0 ? Double(verified) / Double(submitted) : 0)
        percent("fallback_rate", submitted > 0 ? Double(m.fallbacks) / Double(submitted) : 0)
        if config.lazyVerifiers > 0 || config.invalidProofs > 0 {
            let decided = m.invalidAccepted + m.invalidRejected
            add("invalid_proofs_decided", Double(decided), "\(decided)")
            let accepted = decided > 0 ? Double(m.invalidAccepted) / Double(decided) : 0
            add("invalid_accepted", accepted, SimReport.format(accepted * 100, decimals: 2) + "%")
        }
        if config.lazyVerifiers > 0 {
            // Net verifier earnings per duty: pay as a verifier minus the stake taken for verifier duties (a minority vote,
            // a missed commitment or reveal), over the duties drawn — for the lazy workers and for the others.
            func perDuty(_ lazy: Bool) -> Double {
                let group = fleet.workers.filter { $0.lazy == lazy }
                let duties = group.reduce(0) { $0 + m.verifierDuties[$1.index] }
                let net = group.reduce(Int64(0)) { $0 + m.verifierReward[$1.index] - m.verifierSlashed[$1.index] }
                return duties > 0 ? Double(net) / Double(duties) / Double(MicroCredit.perCredit) : 0
            }
            let lazy = perDuty(true), honest = perDuty(false)
            add("lazy_net_per_duty_credits", lazy, SimReport.format(lazy, decimals: 6))
            add("honest_net_per_duty_credits", honest, SimReport.format(honest, decimals: 6))
            // 1 + (lazy − honest) ÷ |honest|: lazy ÷ honest while honest verifiers earn, and still below 1 exactly when
            // laziness earns less than honesty when both lose (honest verifiers outvoted by lazy majorities lose stake).
            let ratio = honest == 0 ? 0 : 1 + (lazy - honest) / abs(honest)
            add("lazy_earnings_ratio", ratio, SimReport.format(ratio, decimals: 3))
            add("lazy_verifiers_jailed", Double(m.lazyJailed), "\(m.lazyJailed)")
        }
        let expired = m.classes.reduce(0) { $0 + $1.expired }
        let failed = m.classes.reduce(0) { $0 + $1.failed }
        add("expired_tasks", Double(expired), "\(expired)")
        add("failed_tasks", Double(failed), "\(failed)")
        let fee = verified > 0 ? Double(m.escrowed - m.refunded) / Double(verified) / Double(MicroCredit.perCredit) : 0
        add("fee_per_proof_credits", fee, SimReport.format(fee, decimals: 6))
        if config.mechanism == .auction {
            let clearing = verified > 0 ? m.auctionClearing / Double(verified) / Double(MicroCredit.perCredit) : 0
            add("auction_fee_per_proof_credits", clearing, SimReport.format(clearing, decimals: 6))
        }
        if config.mechanism == .race {
            let paid = Double(m.loserCompensation) / Double(MicroCredit.perCredit)
            add("race_loser_pay_credits", paid, SimReport.format(paid, decimals: 2))
        }

        let operators = operatorRows()
        for count in [1, 10] {
            let top = operators.prefix(count)
            percent("top\(count)_capacity_share", top.reduce(0) { $0 + $1.capacityShare })
            percent("top\(count)_reward_share", top.reduce(0) { $0 + $1.rewardShare })
        }
        let ratios = operators.map { $0.capacityShare > 0 ? $0.rewardShare / $0.capacityShare : 0 }
        let gini = Statistics.gini(ratios)
        add("reward_gini", gini, SimReport.format(gini, decimals: 3))
        add("workflows_completed", Double(m.workflowsCompleted), "\(m.workflowsCompleted)")
        let workflowP99 = seconds(Statistics.percentile(m.workflowLatency, 99))
        add("workflow_p99_latency_s", workflowP99, SimReport.format(workflowP99, decimals: 1))
        add("transactions", Double(m.transactions), "\(m.transactions)")
        let refused = m.rejectedByCode.values.reduce(0, +)
        add("refused_transactions", Double(refused), "\(refused)")
        for (code, count) in m.rejectedByCode.sorted(by: { $0.key < $1.key }) {
            add("refused_\(code)", Double(count), "\(count)")
        }
        add("jailings", Double(m.jailed), "\(m.jailed)")
        add("program_strikes", Double(m.programStrikes), "\(m.programStrikes)")
        let slashed = Double(m.slashed) / Double(MicroCredit.perCredit)
        add("slashed_credits", slashed, SimReport.format(slashed, decimals: 2))

        var histogram = [Int](repeating: 0, count: Int(queue.last ?? 0) + 1)
        for blocks in queue { histogram[Int(max(blocks, 0))] += 1 }
        let quantiles: [Double] = latency.isEmpty ? [] : (0..<min(1_000, latency.count)).map { index in
            let position = latency.count == 1 ? 0 : index * (latency.count - 1) / max(min(1_000, latency.count) - 1, 1)
            return Double(latency[position]) / 1000
        }
        let lorenz = Statistics.lorenz(values: operators.map(\.rewardShare), weights: operators.map(\.capacityShare)).map { [$0.x, $0.y] }
        return SimReport(config: config, summary: entries, classes: classRows(), operators: operators, samples: thinnedSamples(),
                         lorenz: lorenz, queueHistogram: histogram, latencyQuantiles: quantiles,
                         finalStateDigest: ledger.state.stateDigest, blocks: height)
    }

    /// Operators by declared capacity, largest first, with their shares of capacity and of rewards.
    func operatorRows() -> [OperatorRow] {
        var capacity = [Double](repeating: 0, count: config.operators)
        var reward = [MicroCredits](repeating: 0, count: config.operators)
        for worker in fleet.workers where worker.operatorIndex < config.operators {
            capacity[worker.operatorIndex] += Self.hourlyValue(worker.node.capacity)
            reward[worker.operatorIndex] += metrics.proverReward[worker.index] + metrics.verifierReward[worker.index]
        }
        let totalCapacity = capacity.reduce(0, +)
        let totalReward = Double(reward.reduce(0, +))
        let order = capacity.indices.sorted { capacity[$0] > capacity[$1] || (capacity[$0] == capacity[$1] && $0 < $1) }
        return order.enumerated().map { rank, index in
            OperatorRow(rank: rank + 1, workers: fleet.operatorSizes[index], capacityShare: totalCapacity > 0 ? capacity[index] / totalCapacity : 0,
                        rewardShare: totalReward > 0 ? Double(reward[index]) / totalReward : 0, reward: reward[index])
        }
    }

    func classRows() -> [ClassRow] {
        metrics.classes.map { stats in
            let queue = stats.queueBlocks.sorted()
            let latency = stats.latencyMilliseconds.sorted()
            return ClassRow(name: stats.name, submitted: stats.submitted, verified: stats.verified, failed: stats.failed, expired: stats.expired,
                            p50QueueBlocks: Int(Statistics.percentileOfSorted(queue, 50) ?? 0), p99QueueBlocks: Int(Statistics.percentileOfSorted(queue, 99) ?? 0),
                            p50LatencySeconds: Double(Statistics.percentileOfSorted(latency, 50) ?? 0) / 1000,
                            p99LatencySeconds: Double(Statistics.percentileOfSorted(latency, 99) ?? 0) / 1000)
        }
    }

    /// At most 2,000 samples for the CSV and charts (every n-th block); the headline uses them all.
    func thinnedSamples() -> [UtilizationSample] {
        let samples = metrics.samples
        let stride = max(1, (samples.count + 1_999) / 2_000)
        return samples.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
    }
}
