import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// The stories of the seeds, end to end through the ledger's public API.
@Suite("Seed scenarios", .tags(.unit))
struct ScenarioTests {
    @Test("first prover silent → struck in the first block after the acceptance window, reassigned in the next, by its beacon")
    func silentProver() throws {
        var (chain, keys, program) = try chainWithProgram()
        let id = try request(&chain, proofRequest(program))
        let first = try #require(chain.task(id)?.attempts.first)
        let silent = try #require(first.worker)
        var workers = SimulatedWorkers(keys: keys, behaviour: [silent: .silent])
        // Blocks every 500 ms; the window is 3 s.
        var missedAt: Milliseconds?
        for _ in 0..<10 {
            let outcome = try chain.block(workers.due(at: chain.now + 500, chain: &chain), interval: 500)
            workers.observe(outcome.events, state: chain.state)
            if missedAt == nil, let missed = events(outcome.events, .acceptanceMissed, task: id).first {
                #expect(missed.worker == silent)
                #expect(events(outcome.events, .taskAssigned, task: id).isEmpty)
                missedAt = chain.now
            } else if missedAt != nil {
                #expect(events(outcome.events, .taskAssigned, task: id).first.map { $0.worker != silent } == true)
                break
            }
        }
        let when = try #require(missedAt)
        #expect(when > first.acceptDeadlineMilliseconds)
        #expect(when - first.acceptDeadlineMilliseconds <= 500)
        #expect(chain.state.workers[silent]?.strikes == 1)
        try chain.run(&workers) { $0.tasks[id]?.state == .verified }
        #expect(chain.task(id)?.state == .verified)
        // A missed acceptance is not a failed attempt: the requester pays the normal fee, no refund, no slash.
        #expect(chain.task(id)?.refunded == 0)
        #expect(chain.state.workers[silent]?.slashed == 0)
        expectConserved(chain.state)
    }

    @Test("first prover times out → fallback succeeds → requester refunded 50 %, fallback prover paid, first prover slashed")
    func timeoutThenFallback() throws {
        var (chain, keys, program) = try chainWithProgram()
        let startBalance = balanceBeforeOverhead(chain, user)
        let id = try request(&chain, proofRequest(program, seconds: 30))
        let fee = try #require(chain.task(id)?.feePerSlot)
        let first = try #require(chain.task(id)?.attempts.first?.worker)
        let stakeBefore = try #require(chain.state.workers[first]?.stake)
        var workers = SimulatedWorkers(keys: keys, behaviour: [first: .timesOut])
        workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
        let seen = try chain.run(&workers, interval: 1_000) { $0.tasks[id]?.state.isTerminal == true }
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        #expect(task.attempts.count == 2)
        #expect(task.attempts[0].state == .timedOut)
        #expect(task.attempts[1].state == .verified)
        let fallbackProver = try #require(task.attempts[1].worker)
        #expect(fallbackProver != first)
        #expect(events(seen, .fallback, task: id).count == 1)
        let refund = Pricing.share(fee, basisPoints: 5_000)
        #expect(task.refunded == refund)
        #expect(balanceBeforeOverhead(chain, user) == startBalance - fee + refund)
        #expect(chain.state.workers[fallbackProver]?.earned == Pricing.share(fee, basisPoints: 8_500))
        #expect(chain.state.workers[first]?.stake == stakeBefore - Pricing.share(fee, basisPoints: 5_000))
        #expect(events(seen, .slashed, task: id).first?.worker == first)
        expectConserved(chain.state)
        #expect(try chain.replay() == chain.state)
    }

    @Test("a program that always fails → fee burned, program blocked after the strike limit, later requests refused")
    func alwaysFailingProgram() throws {
        var (chain, keys, program) = try chainWithProgram()
        var workers = SimulatedWorkers(keys: keys, behaviour: Dictionary(uniqueKeysWithValues: keys.map { ($0.address, .fails) }))
        let limit = chain.parameters.programStrikeLimit
        var burned: MicroCredits = 0
        for round in 1...limit {
            let id = try request(&chain, proofRequest(program))
            workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
            try chain.run(&workers) { $0.tasks[id]?.state.isTerminal == true }
            let task = try #require(chain.task(id))
            #expect(task.state == .failed)
            #expect(task.attempts.filter { $0.state == .failed }.count == chain.parameters.maxAttempts)
            #expect(task.burned == task.feePerSlot)
            #expect(task.refunded == 0)
            burned += task.burned
            #expect(chain.state.programs[program]?.strikes == round)
        }
        #expect(chain.state.totals.burned == burned)
        #expect(chain.state.programs[program]?.blocked == true)
        // Nobody was slashed: the program was at fault.
        #expect(chain.state.workers.values.allSatisfy { $0.slashed == 0 })
        try expectRefusal(&chain, proofRequest(program), by: user, code: .programBlocked)
        expectConserved(chain.state)
    }

    @Test("a lying prover → rejected by the verifiers → slashed → the fallback proves it honestly")
    func lyingProver() throws {
        var (chain, keys, program) = try chainWithProgram()
        let id = try request(&chain, proofRequest(program))
        let liar = try #require(chain.task(id)?.attempts.first?.worker)
        var workers = SimulatedWorkers(keys: keys, behaviour: [liar: .lies])
        workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
        let seen = try chain.run(&workers) { $0.tasks[id]?.state.isTerminal == true }
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        #expect(task.attempts[0].state == .rejected)
        #expect(events(seen, .proofRejected, task: id).count == 1)
        #expect(chain.state.workers[liar]?.slashed == Pricing.share(task.feePerSlot, basisPoints: 5_000))
        #expect(chain.state.workers[liar]?.earned == 0)
        #expect(task.refunded == Pricing.share(task.feePerSlot, basisPoints: 5_000))
        expectConserved(chain.state)
    }
}
