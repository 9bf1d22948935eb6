import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// The verifier's game (docs/PROTOCOL.md "Verification"): each attack a self-interested verifier, prover or requester
/// could try with its own transactions, and the rule that makes it pay nothing.
@Suite("Honest verification pays, cheating does not", .tags(.unit))
struct HonestVerificationTests {
    /// A chain with `workers` workers and a request of the demo program delivered by its prover with a valid proof; the
    /// verifiers are drawn. Returns the chain, the task and the keys of its prover and verifiers.
    func delivered(workers: Int = 6, parameters: ChainParameters = .genesisDefaults, proof: String? = nil)
        throws -> (chain: TestChain, task: TaskID, prover: AccountKey, verifiers: [AccountKey], keys: [AccountKey]) {
        var (chain, keys, program) = try chainWithProgram(workers: workers, parameters: parameters)
        let id = try request(&chain, proofRequest(program))
        let prover = try #require(keys.first { $0.address == chain.task(id)?.attempts.first?.worker })
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        try chain.submit(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [
            OutputRef(path: "proof.bin", digest: proof ?? SimulatedWorkers.validProofDigest(id), size: 64)])), by: prover)
        try chain.block()  // verifiers are drawn in the block after the delivery
        let duties = try #require(chain.task(id)?.attempts.first?.verifiers)
        let verifiers = try duties.map { duty in try #require(keys.first { $0.address == duty.worker }) }
        return (chain, id, prover, verifiers, keys)
    }

    func ballot(_ chain: TestChain, _ verdict: Verdict, _ task: TaskID, by key: AccountKey, attempt: Int = 1) throws -> Ballot {
        Ballot.scripted(verdict, on: try #require(chain.task(task)), attempt: attempt, by: key.address)
    }

    func commit(_ chain: inout TestChain, _ ballot: Ballot, by key: AccountKey) throws {
        let outcome = try chain.submit(.commitVote(try ballot.commit(by: key.address)), by: key)
        #expect(outcome.rejected.isEmpty, "\(outcome.rejected)")
    }

    func reveal(_ chain: inout TestChain, _ ballot: Ballot, by key: AccountKey) throws {
        let outcome = try chain.submit(.revealVote(ballot.reveal), by: key)
        #expect(outcome.rejected.isEmpty, "\(outcome.rejected)")
    }

    @Test("vote copying gains nothing: no reveal before every commitment, and a copied commitment never opens")
    func copying() throws {
        var (chain, id, _, verifiers, _) = try delivered()
        let (honest, copier, third) = (verifiers[0], verifiers[1], verifiers[2])
        let honestBallot = try ballot(chain, .valid, id, by: honest)
        let honestCommitment = try honestBallot.commit(by: honest.address)
        try commit(&chain, honestBallot, by: honest)
        // Nothing is revealed yet, so there is nothing to copy: a reveal now is refused, for everyone.
        try expectRefusal(&chain, .revealVote(honestBallot.reveal), by: honest, code: .revealsNotOpen)
        try expectRefusal(&chain, .revealVote(honestBallot.reveal), by: copier, code: .revealsNotOpen)
        // The copier takes the honest verifier's commitment as its own; the third commits its own vote.
        try chain.submit(.commitVote(honestCommitment), by: copier)
        #expect(chain.task(id)?.attempts[0].revealDeadlineMilliseconds == nil, "reveals open only once every drawn verifier has committed")
        let thirdBallot = try ballot(chain, .valid, id, by: third)
        try commit(&chain, thirdBallot, by: third)
        #expect(chain.task(id)?.attempts[0].revealDeadlineMilliseconds != nil)
        try reveal(&chain, honestBallot, by: honest)
        try reveal(&chain, thirdBallot, by: third)
        // Even with the honest reveal (vote, salt, transcript) public, the copied commitment does not open: the
        // verifier's address is inside it.
        try expectRefusal(&chain, .revealVote(honestBallot.reveal), by: copier, code: .revealMismatch)
        let stakeBefore = try #require(chain.state.workers[copier.address]?.stake)
        let events = try chain.advance(chain.parameters.revealWindowMilliseconds + 1_000)
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        #expect(task.attempts[0].verifiers.first { $0.worker == copier.address }?.state == .missed)
        let fee = task.feePerSlot
        for key in [honest, third] {
            #expect(chain.state.workers[key.address]?.earned == Pricing.share(fee, basisPoints: 1_000) / 2)
        }
        #expect(chain.state.workers[copier.address]?.earned == 0)
        let slashed = events.filter { $0.kind == .slashed && $0.worker == copier.address }
        #expect(slashed.map(\.amount) == [Pricing.share(stakeBefore, basisPoints: chain.parameters.missedVoteSlashBasisPoints)])
        expectConserved(chain.state)
        #expect(try chain.replay() == chain.state)
    }

    @Test("honest slow voters on the majority side are paid: the verdict waits for every reveal, and the share is split among all")
    func slowVotersPaid() throws {
        var (chain, id, _, verifiers, _) = try delivered()
        let ballots = try verifiers.map { try ballot(chain, .valid, id, by: $0) }
        try commit(&chain, ballots[0], by: verifiers[0])
        // The other two take almost their whole window (the verifier's time limit plus the grace).
        let window = try #require(chain.task(id)?.attempts[0].verifiers.first?.deadlineMilliseconds) - chain.now
        _ = try chain.advance(window - 2_000)
        try commit(&chain, ballots[1], by: verifiers[1])
        try commit(&chain, ballots[2], by: verifiers[2])
        // The fast one reveals first; two valid reveals are already a majority, yet the attempt waits for the third.
        try reveal(&chain, ballots[0], by: verifiers[0])
        try reveal(&chain, ballots[1], by: verifiers[1])
        #expect(chain.task(id)?.state == .delivered)
        try reveal(&chain, ballots[2], by: verifiers[2])
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        let each = Pricing.share(task.feePerSlot, basisPoints: 1_000) / 3
        for key in verifiers { #expect(chain.state.workers[key.address]?.earned == each) }
        expectConserved(chain.state)
    }

    @Test("a vote against the majority costs a share of the voter's stake, into the treasury")
    func minoritySlashed() throws {
        var (chain, id, prover, verifiers, _) = try delivered()
        let votes: [Verdict] = [.valid, .valid, .invalid]
        let ballots = try zip(verifiers, votes).map { try ballot(chain, $1, id, by: $0) }
        for (key, ballot) in zip(verifiers, ballots) { try commit(&chain, ballot, by: key) }
        let stake = try #require(chain.state.workers[verifiers[2].address]?.stake)
        let treasury = chain.state.totals.treasury
        for (key, ballot) in zip(verifiers, ballots) { try reveal(&chain, ballot, by: key) }
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        let penalty = Pricing.share(stake, basisPoints: chain.parameters.minorityVoteSlashBasisPoints)
        #expect(chain.state.workers[verifiers[2].address]?.stake == stake - penalty)
        #expect(chain.state.workers[verifiers[2].address]?.earned == 0)
        let fee = task.feePerSlot
        let paid = Pricing.share(fee, basisPoints: 8_500) + 2 * (Pricing.share(fee, basisPoints: 1_000) / 2)
        #expect(chain.state.totals.treasury - treasury == fee - paid + penalty)
        #expect(chain.state.workers[prover.address]?.slashed == 0)
        expectConserved(chain.state)
    }

    @Test("a verification that cannot find a verifier with room waits for one, and past its deadline refunds in full, slashing nobody")
    func waitsUnderLoad() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.verificationTimeoutMilliseconds = 120_000
        let small = Resources(cpuMillicores: 2_000, memoryBytes: 4 * Units.gib)
        var (chain, keys) = try TestChain.make(capacities: [small, small], users: [user], parameters: parameters)
        let program = try #require(try chain.submit(.deployProgram(Fixtures.program("load")), by: user).transactions.first?.created)
        // The first request fills one worker for an hour; the second fills the other, which delivers at once.
        let busy = try request(&chain, proofRequest(program, cpus: 2, memoryGiB: 2, seconds: 3_600, verifiers: 1))
        let busyProver = try #require(keys.first { $0.address == chain.task(busy)?.attempts.first?.worker })
        try chain.submit(.acceptTask(AcceptTask(task: busy, attempt: 1)), by: busyProver)
        let id = try request(&chain, proofRequest(program, cpus: 2, memoryGiB: 2, verifiers: 1))
        let prover = try #require(keys.first { $0.address == chain.task(id)?.attempts.first?.worker })
        #expect(prover.address != busyProver.address)
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        try chain.submit(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [
            OutputRef(path: "proof.bin", digest: SimulatedWorkers.validProofDigest(id), size: 64)])), by: prover)
        let requesterBefore = balanceBeforeOverhead(chain, user)
        // Its only possible verifier is busy: block after block, no verifier, no verdict — not one on zero votes.
        let waiting = try chain.advance(60_000)
        let task = try #require(chain.task(id))
        #expect(task.state == .delivered)
        #expect(task.attempts[0].verifiers.isEmpty)
        #expect(!waiting.contains { $0.task == id && ($0.kind == .taskVerified || $0.kind == .taskAcceptedUnverified || $0.kind == .slashed) })
        // Past the verification deadline the task fails, the whole fee comes back, and nobody is slashed.
        let expired = try chain.advance(parameters.verificationTimeoutMilliseconds)
        let failed = try #require(chain.task(id))
        #expect(failed.state == .failed)
        #expect(failed.attempts[0].state == .inconclusive)
        #expect(balanceBeforeOverhead(chain, user) == requesterBefore + failed.feePerSlot)
        #expect(!expired.contains { $0.kind == .slashed })
        #expect(chain.state.workers[prover.address]?.slashed == 0)
        #expect(chain.state.workers.values.allSatisfy { $0.address == busyProver.address || $0.reserved == .zero })
        expectConserved(chain.state)
    }

    @Test("a task's verifiers are never drawn as its fallback prover, and a requester that is a worker never serves its own task")
    func exclusions() throws {
        // Five workers: the prover lies, three verifiers reject it — the fallback can only be the fifth.
        var (chain, id, prover, verifiers, keys) = try delivered(workers: 5, proof: Fixtures.digest("garbage"))
        let ballots = try verifiers.map { try ballot(chain, .invalid, id, by: $0) }
        for (key, ballot) in zip(verifiers, ballots) { try commit(&chain, ballot, by: key) }
        for (key, ballot) in zip(verifiers, ballots) { try reveal(&chain, ballot, by: key) }
        try chain.block()
        let fifth = keys.first { key in key.address != prover.address && !verifiers.contains { $0.address == key.address } }
        let task = try #require(chain.task(id))
        #expect(task.attempts.count == 2)
        #expect(task.attempts[1].worker == fifth?.address)

        // A worker that requests proofs is never drawn for them, as prover or verifier.
        var (own, workerKeys, program) = try chainWithProgram(workers: 8)
        let requester = workerKeys[0]
        var simulated = SimulatedWorkers(keys: workerKeys)
        var ids: [TaskID] = []
        for _ in 0..<8 { ids.append(try request(&own, proofRequest(program), by: requester)) }
        for outcome in own.outcomes.suffix(2) { simulated.observe(outcome.events, state: own.state) }
        try own.run(&simulated) { state in ids.allSatisfy { state.tasks[$0]?.state.isTerminal == true } }
        for taskID in ids {
            let record = try #require(own.task(taskID))
            #expect(record.state == .verified)
            #expect(!record.attempts.contains { $0.worker == requester.address || $0.verifiers.contains { $0.worker == requester.address } })
        }
    }

    @Test("a prover set too small for the requested verifiers ends accepted-unverified and says so; one vote is never `verified`")
    func acceptedUnverified() throws {
        var (chain, keys, program) = try chainWithProgram(workers: 4)
        try chain.submit(.createProverSet(CreateProverSet(name: "pair", members: [keys[0].address, keys[1].address])), by: user)
        try chain.submit(.joinProverSet(JoinProverSet(name: "pair")), by: keys[0])
        try chain.submit(.joinProverSet(JoinProverSet(name: "pair")), by: keys[1])
        var workers = SimulatedWorkers(keys: keys)
        let id = try request(&chain, proofRequest(program, proverSet: "pair"))
        workers.observe(chain.outcomes.last?.events ?? [], state: chain.state)
        let seen = try chain.run(&workers) { $0.tasks[id]?.state.isTerminal == true }
        let task = try #require(chain.task(id))
        #expect(task.state == .acceptedUnverified)
        #expect(task.attempts[0].verifiersNeeded == 1)
        #expect(task.attempts[0].verifiers.filter { $0.state == .voted }.count == 1)
        #expect(events(seen, .taskAcceptedUnverified, task: id).count == 1)
        #expect(events(seen, .taskVerified, task: id).isEmpty)

        // No possible verifier at all: accepted unverified without a vote, never `verified`.
        try chain.submit(.createProverSet(CreateProverSet(name: "solo", members: [keys[2].address])), by: user)
        try chain.submit(.joinProverSet(JoinProverSet(name: "solo")), by: keys[2])
        let solo = try request(&chain, proofRequest(program, proverSet: "solo"))
        workers.observe(chain.outcomes.last?.events ?? [], state: chain.state)
        try chain.run(&workers) { $0.tasks[solo]?.state.isTerminal == true }
        #expect(chain.task(solo)?.state == .acceptedUnverified)
        #expect(chain.task(solo)?.attempts[0].verifiers.isEmpty == true)
        expectConserved(chain.state)
    }

    @Test("a split vote with no replacement left is inconclusive: the fallback is drawn and nobody is slashed for it")
    func inconclusiveNotSlashed() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.maxVerifierReplacements = 0
        var (chain, id, prover, verifiers, keys) = try delivered(parameters: parameters)
        let votes: [Verdict] = [.valid, .invalid, .error]
        let ballots = try zip(verifiers, votes).map { try ballot(chain, $1, id, by: $0) }
        for (key, ballot) in zip(verifiers, ballots) { try commit(&chain, ballot, by: key) }
        for (key, ballot) in zip(verifiers, ballots) { try reveal(&chain, ballot, by: key) }
        let split = try #require(chain.task(id))
        #expect(split.attempts[0].state == .inconclusive)
        #expect(!chain.outcomes.last!.events.contains { $0.kind == .slashed })
        // The fallback proves it; the first prover is still not slashed (an inconclusive attempt is nobody's fault).
        var workers = SimulatedWorkers(keys: keys)
        try chain.block()
        workers.observe(chain.outcomes.last?.events ?? [], state: chain.state)
        let seen = try chain.run(&workers) { $0.tasks[id]?.state.isTerminal == true }
        #expect(chain.task(id)?.state == .verified)
        #expect(!seen.contains { $0.kind == .slashed && $0.worker == prover.address })
        #expect(chain.state.workers[prover.address]?.slashed == 0)
        expectConserved(chain.state)
    }

    @Test("a reveal must name the attempt's proof files and follow from its exit code: a verifier that fetched nothing cannot claim it ran")
    func transcriptIsEvidence() throws {
        var (chain, id, _, verifiers, _) = try delivered()
        let task = try #require(chain.task(id))
        // Committed over a transcript of other files (it never fetched the proof): its reveal is refused, it misses, and pays.
        let lazy = Ballot(task: id, attempt: 1, verdict: .valid, transcript: VoteTranscript(claiming: .valid, checked: Fixtures.digest("nothing")),
                          salt: Fixtures.digest("salt"))
        try commit(&chain, lazy, by: verifiers[0])
        for key in verifiers.dropFirst() { try commit(&chain, try ballot(chain, .valid, id, by: key), by: key) }
        try expectRefusal(&chain, .revealVote(lazy.reveal), by: verifiers[0], code: .revealMismatch)
        // A verdict that does not follow from the exit status is refused on entry, before any rule runs.
        var contradicting = try ballot(chain, .valid, id, by: verifiers[1]).reveal
        contradicting.transcript = VoteTranscript(exitCode: 1, checked: task.checkedDigest(attempt: 1))
        try expectRefusal(&chain, .revealVote(contradicting), by: verifiers[1], code: .invalidField)
    }

    @Test("a duty released by the verification deadline takes one late commitment as a no-op and refuses a second: no free writes")
    func noFreeWritesAfterRelease() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.verificationTimeoutMilliseconds = 60_000
        var (chain, keys, _) = try chainWithProgram(parameters: parameters)
        // A verifier time limit far beyond the verification deadline: the duties are still pending when it passes.
        let program = try #require(try chain.submit(.deployProgram(Fixtures.program("slow-verifier", verifierTimeLimitSeconds: 3_600)),
                                                    by: user).transactions.first?.created)
        let id = try request(&chain, proofRequest(program))
        let prover = try #require(keys.first { $0.address == chain.task(id)?.attempts.first?.worker })
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        try chain.submit(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [
            OutputRef(path: "proof.bin", digest: SimulatedWorkers.validProofDigest(id), size: 64)])), by: prover)
        try chain.block()
        let verifier = try #require(keys.first { $0.address == chain.task(id)?.attempts.first?.verifiers.first?.worker })
        _ = try chain.advance(parameters.verificationTimeoutMilliseconds + 1_000)
        #expect(chain.task(id)?.state == .failed)
        #expect(chain.task(id)?.attempts[0].verifiers.allSatisfy { $0.state == .released } == true)
        let late = try ballot(chain, .valid, id, by: verifier)
        try commit(&chain, late, by: verifier)
        try expectRefusal(&chain, .commitVote(try late.commit(by: verifier.address)), by: verifier, code: .voteClosed)
        expectConserved(chain.state)
    }
}
