import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing
@testable import ProvaSim

@Suite("Invariants at every block", .tags(.property))
struct InvariantTests {
    /// A randomized run with a mixed fleet and workload, heavy load and 10 % failures of every kind:
    /// after every block, money is conserved and every worker's reservation is within its capacity and
    /// equals what its open prover attempts and verifier duties hold.
    @Test("conservation and capacity hold at every block of a large randomized run", arguments: [Mechanism.random, .uniform, .race])
    func invariantsHold(mechanism: Mechanism) async throws {
        try await offloaded {
            var config = SimFixtures.smallMixed(mechanism: mechanism, seed: 11, tasks: mechanism == .race ? 600 : 1_500, failureRate: 0.10, invariants: true)
            config.load = 1.1
            var simulation = try Simulation(config: config)
            var blocks = 0
            let report = try simulation.run { sim, _ in
                blocks += 1
                #expect(sim.ledger.state.supply().isConserved)
            }
            #expect(blocks > 100)
            #expect(report.value("tasks") ?? 0 >= Double(config.tasks) * 0.9)
            #expect((report.value("fallback_rate") ?? 0) > 0)
        }
    }

    /// The study's finding, on a fleet small enough for a test: with the protocol's placement (CPU work kept off GPU
    /// workers while CPU workers have room, the tighter of two candidates) a busy mixed network keeps more of its
    /// capacity busy and queues less than with one uniform draw among every worker with room.
    @Test("tiered placement beats a single uniform draw on a busy mixed CPU/GPU network")
    func placementBeatsUniform() async throws {
        try await offloaded {
            func run(_ mechanism: Mechanism) throws -> SimReport {
                var config = SimFixtures.smallMixed(mechanism: mechanism, seed: 5, tasks: 4_000, failureRate: 0.02)
                config.workers = 200
                config.operators = 20
                config.load = 0.95
                var simulation = try Simulation(config: config)
                return try simulation.run()
            }
            let tiered = try run(.random)
            let uniform = try run(.uniform)
            #expect((tiered.value("utilization") ?? 0) > (uniform.value("utilization") ?? 0))
            #expect((tiered.value("p99_queue_blocks") ?? .infinity) < (uniform.value("p99_queue_blocks") ?? 0))
        }
    }
}
