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
    @Test("conservation and capacity hold at every block of a large randomized run", arguments: [Mechanism.random, .race])
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
}
