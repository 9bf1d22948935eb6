import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

@Suite("Task lifecycle", .tags(.unit))
struct LifecycleTests {
    @Test("a request is assigned, accepted, delivered, verified by 3 verifiers and paid 85/10/5")
    func happyPath() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balanceBefore = chain.state.balance(of: user.address)
        let id = try request(&chain, proofRequest(program))
        let task = try #require(chain.task(id) as TaskRecord?)
        let fee = Pricing.fee(task.resources, seconds: 60, prices: .genesis)
        #expect(task.feePerSlot == fee)
        #expect(chain.state.balance(of: user.address) == balanceBefore - fee)
        #expect(task.state == .assigned)
        let assigned = try #require(events(chain.outcomes[chain.outcomes.count - 1].events, .taskAssigned, task: id).first)
        #expect(assigned.deadlineMilliseconds == chain.now + chain.parameters.acceptWindowMilliseconds)

        var workers = SimulatedWorkers(keys: keys)
        workers.observe(chain.outcomes.last!.events, state: chain.state)
        let seen = try chain.run(&workers) { $0.tasks[id]?.state == .verified }
        let done = try #require(chain.task(id))
        #expect(done.state == .verified)
        #expect(done.escrow == 0)
        let prover = try #require(done.attempts.first?.worker)
        let verifiers = done.attempts[0].verifiers.map(\.worker)
        #expect(verifiers.count == 3)
        #expect(!verifiers.contains(prover))
        #expect(Set(verifiers).count == 3)
        #expect(events(seen, .taskDelivered, task: id).count == 1)
        #expect(chain.state.workers[prover]?.earned == Pricing.share(fee, basisPoints: 8500))
        // The first strict majority (2 of 3 valid votes) decides; the verifier share is split among that majority.
        let majority = done.attempts[0].verifiers.filter { $0.vote == .valid }.map(\.worker)
        #expect(majority.count == 2)
        let verifierPay = Pricing.share(fee, basisPoints: 1000) / 2
        for verifier in majority { #expect(chain.state.workers[verifier]?.earned == verifierPay) }
        #expect(chain.state.totals.treasury == fee - Pricing.share(fee, basisPoints: 8500) - 2 * verifierPay)
        #expect(chain.state.workers.values.allSatisfy { $0.reserved == .zero })
        expectConserved(chain.state)
        #expect(try chain.replay() == chain.state)
    }
}
