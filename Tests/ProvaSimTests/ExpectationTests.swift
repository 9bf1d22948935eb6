import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing
@testable import ProvaSim

@Suite("Small runs match hand-computed expectations", .tags(.integration))
struct ExpectationTests {
    /// 8 identical CPU nodes, 20 jobs of 4 cores for a 60 s limit that each run exactly 30 s, load 5 %, no failures.
    @Test("fees, payouts, queueing and latency of a quiet network are exactly as the rules say")
    func quietNetwork() async throws {
        try await offloaded {
            let config = SimFixtures.exactConfig(tasks: 20, load: 0.05)
            var simulation = try Simulation(config: config, fleet: SimFixtures.uniformFleet(count: 8, operators: 2))
            let report = try simulation.run()
            // Fee = 4 cores × 3,177 µcr/h + 32 GiB × 397 µcr/h for 60 s, rounded up = 0.000424 credits... exactly:
            let fee = try Pricing.fee(SimFixtures.cpu4.resources, seconds: 60, prices: .genesis)
            #expect(fee == (4 * 3_177 + 32 * 397) * 60 / 3_600 + ((4 * 3_177 + 32 * 397) * 60 % 3_600 == 0 ? 0 : 1))
            #expect(report.value("tasks") == 20)
            #expect(report.value("fulfilment_rate") == 1)
            #expect(report.value("fallback_rate") == 0)
            #expect(report.value("expired_tasks") == 0)
            #expect(report.value("fee_per_proof_credits") == Double(fee) / 1_000_000)
            // Plenty of room: every task is assigned in the block after the one that carries it (drawn by that block's beacon).
            #expect(report.value("p99_queue_blocks") == 1)
            #expect(report.value("max_queue_blocks") == 1)
            // Arrival in (T[k-1], T[k]] → included in block k, assigned at the end of block k+1; accepted in block k+2;
            // 30 s run → result in block k+32; verifiers drawn in block k+33 commit 1–5 s later (blocks k+34…k+38); the
            // last commitment opens reveals, which land in the next block and decide. So arrival → verified lies in [35 s, 40 s).
            for latency in report.latencyQuantiles { #expect(latency >= 35 && latency < 40, "\(latency)") }
            // Workers earn 85 % (prover) + 3 × ⌊10 % / 3⌋ (verifiers) of every fee; the treasury keeps the rest.
            let perTask = Pricing.share(fee, basisPoints: 8_500) + 3 * (Pricing.share(fee, basisPoints: 1_000) / 3)
            #expect(report.operators.reduce(0) { $0 + $1.reward } == 20 * perTask)
            // The treasury also holds the transaction fees: the deploy and the 20 requests pay the base fee (the simulator
            // charges no size part).
            #expect(simulation.ledger.state.totals.treasury == 20 * (fee - perTask) + 21 * ChainParameters.genesisDefaults.transactionBaseFee)
            // Two operators with four identical nodes each: half the capacity each.
            #expect(report.value("top1_capacity_share") == 0.5)
            #expect(report.value("top10_capacity_share") == 1)
        }
    }

    @Test("utilization samples are the reserved share of declared capacity, block by block")
    func oneTaskUtilization() async throws {
        try await offloaded {
            let config = SimFixtures.exactConfig(tasks: 1, load: 0.01)
            var simulation = try Simulation(config: config, fleet: SimFixtures.uniformFleet(count: 8, operators: 2))
            let report = try simulation.run()
            let samples = report.samples
            let totalCores = 8.0 * 96
            // The prover holds its 4 cores from assignment (block k) until its result (block k+31): 31 samples at 4/768.
            let proving = samples.filter { abs($0.cpu - 4 / totalCores) < 1e-12 }
            #expect(proving.count == 31)
            // Its verifiers then hold 1 core each (3 cores) until they vote or are released by the decision.
            #expect(samples.contains { abs($0.cpu - 3 / totalCores) < 1e-12 })
            #expect(samples.last?.cpu == 0)
            // Priced utilization weighs cores and memory by their list prices.
            let node = Simulation.hourlyValue(NodeType.cpuNode.capacity) * 8
            let job = Simulation.hourlyValue(SimFixtures.cpu4.resources)
            #expect(proving.allSatisfy { abs($0.priced - job / node) < 1e-12 })
        }
    }

    @Test("a worker that never answers costs an acceptance window, and the task is drawn again")
    func silentWorkersAreReplaced() async throws {
        try await offloaded {
            var config = SimFixtures.exactConfig(tasks: 30, load: 0.05)
            config.failures = FailureMix(rate: 0.2, silence: 1, timeout: 0, failure: 0, wrongProof: 0)
            var simulation = try Simulation(config: config, fleet: SimFixtures.uniformFleet(count: 16, operators: 2))
            let report = try simulation.run()
            #expect(simulation.metrics.acceptanceMissed > 0)
            // A reassignment waits out the 3 s acceptance window: those tasks take longer than the quiet 33–37 s.
            #expect((report.latencyQuantiles.last ?? 0) >= 37)
            // Silent verifiers are replaced; silence alone never burns a fee unless a whole vote stays empty.
            #expect((report.value("fulfilment_rate") ?? 0) >= 0.9)
            #expect(simulation.metrics.proofsRejected == 0)
        }
    }

    @Test("wrong proofs are rejected by the verifiers, the prover is slashed and the fallback delivers")
    func wrongProofsFallBack() async throws {
        try await offloaded {
            var config = SimFixtures.exactConfig(tasks: 30, load: 0.05)
            config.failures = FailureMix(rate: 0.3, silence: 0, timeout: 0, failure: 0, wrongProof: 1)
            var simulation = try Simulation(config: config, fleet: SimFixtures.uniformFleet(count: 8, operators: 2))
            let report = try simulation.run()
            #expect(simulation.metrics.proofsRejected > 0)
            #expect(Double(simulation.metrics.fallbacks) == (report.value("fallback_rate") ?? 0) * 30)
            #expect((report.value("slashed_credits") ?? 0) > 0)
            // With two attempts, a task fails only if both provers lie: some may, most must not.
            #expect((report.value("fulfilment_rate") ?? 0) > 0.8)
        }
    }

    @Test("lazy verifiers, who commit `valid` without running, earn less per duty than honest ones, and invalid proofs are mostly rejected")
    func lazyVerifiersLose() async throws {
        try await offloaded {
            var config = SimFixtures.smallMixed(tasks: 1_500, failureRate: 0)
            config.lazyVerifiers = 0.3
            config.invalidProofs = 0.05
            var simulation = try Simulation(config: config)
            let report = try simulation.run()
            let lazy = try #require(report.value("lazy_net_per_duty_credits"))
            let honest = try #require(report.value("honest_net_per_duty_credits"))
            #expect(lazy < honest)
            #expect(try #require(report.value("lazy_earnings_ratio")) < 1)
            #expect((report.value("invalid_proofs_decided") ?? 0) > 20)
            // Without any penalty, 30 % lazy verifiers would carry 3p² − 2p³ = 21.6 % of invalid proofs; most are rejected.
            #expect(try #require(report.value("invalid_accepted")) < 0.216)
        }
    }
}
