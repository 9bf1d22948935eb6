import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing
import ProvaSim

/// The grinding experiment (docs/ALLOCATION.md "Grinding") on a small network: under the rule the beacon replaced, an
/// operator with a quarter of the workers captures far more verifier majorities and proves far more of its own
/// requests than chance; under the beacon, about chance.
@Suite("Grinding the draws", .tags(.integration))
struct GrindExperimentTests {
    func run(_ rule: SeedRule) throws -> GrindExperiment.Report {
        var experiment = try GrindExperiment(config: GrindExperiment.Config(workers: 40, attackerShare: 0.25, tasks: 1_200, seedRule: rule,
                                                                            grindTries: 64, tasksPerBlock: 60))
        return try experiment.run()
    }

    @Test("block-hash seeds are captured by grinding; beacon seeds are not")
    func grinding() async throws {
        try await offloaded {
            let old = try run(.blockHash)
            let beacon = try run(.beacon)
            for report in [old, beacon] {
                #expect(report.ownRequests == 600)
                #expect(report.verifierDraws >= 1_000, "\(report.lines)")
            }
            // F = 0.25: chance is 15.6 % of majorities and 25 % of the prover draws.
            #expect(old.capturedShare > 0.6, "\(old.lines)")
            #expect(old.selfProvedShare > 0.9, "\(old.lines)")
            #expect(abs(beacon.capturedShare - beacon.expectedShare) < 0.05, "\(beacon.lines)")
            #expect(abs(beacon.selfProvedShare - beacon.share) < 0.06, "\(beacon.lines)")
        }
    }
}
