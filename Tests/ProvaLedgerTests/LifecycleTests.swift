import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

@Suite("Task lifecycle", .tags(.unit))
struct LifecycleTests {
    @Test("a request is assigned, accepted, delivered, verified by 3 verifiers and paid 85/10/5")
    func happyPath() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balanceBefore = balanceBeforeOverhead(chain, user)
        let id = try request(&chain, proofRequest(program))
        let task = try #require(chain.task(id) as TaskRecord?)
        let fee = try Pricing.fee(task.resources, seconds: 60, prices: .genesis)
        #expect(task.feePerSlot == fee)
        #expect(balanceBeforeOverhead(chain, user) == balanceBefore - fee)
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
        // Every verifier commits, then reveals; the verdict waits for all three, and the verifier share is split among
        // everyone on the majority side — a verifier gains nothing by voting first.
        let majority = done.attempts[0].verifiers.filter { $0.state == .voted && $0.vote == .valid }.map(\.worker)
        #expect(majority.count == 3)
        #expect(done.attempts[0].verifiers.allSatisfy { $0.transcript?.checked == done.checkedDigest(attempt: 1) })
        let verifierPay = Pricing.share(fee, basisPoints: 1000) / 3
        for verifier in majority { #expect(chain.state.workers[verifier]?.earned == verifierPay) }
        #expect(chain.state.totals.treasury - transactionFees(chain) == fee - Pricing.share(fee, basisPoints: 8500) - 3 * verifierPay)
        #expect(chain.state.workers.values.allSatisfy { $0.reserved == .zero })
        expectConserved(chain.state)
        #expect(try chain.replay() == chain.state)
    }
}

@Suite("Rules of §5", .tags(.unit))
struct RuleTests {
    @Test("redundancy 2 → two distinct workers prove; the first verified completes the task; each valid prover is paid")
    func redundancy() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balance = balanceBeforeOverhead(chain, user)
        let id = try request(&chain, proofRequest(program, redundancy: 2))
        let task = try #require(chain.task(id))
        #expect(task.attempts.count == 2)
        #expect(Set(task.attempts.compactMap(\.worker)).count == 2)
        #expect(balanceBeforeOverhead(chain, user) == balance - 2 * task.feePerSlot)
        var workers = SimulatedWorkers(keys: keys)
        workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
        try chain.run(&workers) { state in state.tasks[id]?.slots.allSatisfy { $0.state == .verified } == true }
        let done = try #require(chain.task(id))
        #expect(done.state == .verified)
        #expect(done.verifiedAttempt != nil)
        for attempt in done.attempts {
            let prover = try #require(attempt.worker)
            #expect(chain.state.workers[prover]?.earned ?? 0 >= Pricing.share(task.feePerSlot, basisPoints: 8_500))
            // Verifiers never include a prover of the task.
            for other in done.attempts { #expect(!other.verifiers.map(\.worker).contains(prover)) }
        }
        expectConserved(chain.state)
    }

    @Test("decline → reassigned in the next block without a strike; three missed windows jail a worker")
    func declineAndJail() throws {
        var (chain, keys, program) = try chainWithProgram()
        let id = try request(&chain, proofRequest(program))
        let first = try #require(chain.task(id)?.attempts.first?.worker)
        let key = try #require(keys.first { $0.address == first })
        let declined = try chain.submit(.declineTask(DeclineTask(task: id, attempt: 1, reason: "maintenance")), by: key)
        #expect(events(declined.events, .taskAssigned, task: id).isEmpty)
        let redrawn = try chain.block()
        #expect(events(redrawn.events, .taskAssigned, task: id).first.map { $0.worker != first } == true)
        #expect(chain.state.workers[first]?.strikes == 0)

        var workers = SimulatedWorkers(keys: keys, behaviour: [first: .silent])
        for _ in 0..<12 {
            if chain.state.workers[first]?.status == .jailed { break }
            let next = try request(&chain, proofRequest(program, redundancy: 5))
            // The workers see the assignments made in the request's own block (honest ones accept them).
            workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
            try chain.run(&workers, maxBlocks: 60) { $0.tasks[next]?.state.isTerminal == true }
        }
        let jailed = try #require(chain.state.workers[first])
        // Only the silent worker (and the one assigned the first task before anyone watched) missed windows.
        let honest = keys.map(\.address).filter { $0 != first && $0 != chain.task(id)?.attempts.last?.worker }
        #expect(honest.allSatisfy { chain.state.workers[$0]?.status == .active })
        #expect(jailed.status == .jailed)
        #expect(jailed.strikes >= chain.parameters.workerStrikeLimit)
        #expect(jailed.jailedUntilMilliseconds != nil)
        // A jailed worker is never drawn.
        let later = try request(&chain, proofRequest(program, redundancy: 5))
        #expect(chain.task(later)?.attempts.allSatisfy { $0.worker != first } == true)
    }

    @Test("a verifier that misses the vote window gets a strike and is replaced; one that votes against the majority gets a strike")
    func verifierDiscipline() throws {
        var (chain, keys, program) = try chainWithProgram(workers: 8)
        let id = try request(&chain, proofRequest(program, verifiers: 3))
        let prover = try #require(chain.task(id)?.attempts.first?.worker)
        let others = keys.map(\.address).filter { $0 != prover }
        // Every non-prover is silent or a wrong voter until verifiers are drawn; then we look at who was drawn.
        var workers = SimulatedWorkers(keys: keys)
        workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
        try chain.run(&workers) { $0.tasks[id]?.attempts.first?.verifiers.isEmpty == false }
        let drawn = try #require(chain.task(id)?.attempts.first?.verifiers.map(\.worker))
        #expect(drawn.count == 3)
        let silent = drawn[0], wrong = drawn[1]
        workers.behaviour = [silent: .silent, wrong: .votesWrong]
        // Re-observe the assignment with the new behaviours: drop what was scheduled by replaying the delivery block.
        var fresh = SimulatedWorkers(keys: keys, behaviour: workers.behaviour)
        fresh.observe(chain.allEvents.filter { $0.kind == .verifierAssigned && $0.task == id }, state: chain.state)
        let seen = try chain.run(&fresh) { $0.tasks[id]?.state.isTerminal == true }
        let task = try #require(chain.task(id))
        #expect(task.state == .verified)
        #expect(events(seen, .verifierMissed, task: id).first?.worker == silent)
        #expect(task.attempts[0].verifiers.count == 4)
        #expect(chain.state.workers[silent]?.strikes == 1)
        #expect(chain.state.workers[wrong]?.strikes == 1)
        #expect(chain.state.workers[wrong]?.earned == 0)
        _ = others
        expectConserved(chain.state)
    }

    @Test("verify-only: verifiers check a proof made elsewhere and share 95 % of the fee")
    func verifyOnly() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balance = balanceBeforeOverhead(chain, user)
        let transaction = chain.sign(.requestVerification(RequestVerification(program: program, inputs: [Fixtures.input("in.json")],
            proof: [InputRef(path: "proof.bin", digest: SHA256Hex.of("placeholder"), size: 10)], verifiers: 3)), by: user)
        let included = try chain.block([transaction])
        let id = try #require(included.transactions.first?.created)
        // Its verifiers are drawn in the next block, by a beacon nobody knew when the request was signed.
        #expect(chain.task(id)?.attempts[0].verifiers.isEmpty == true)
        let outcome = try chain.block()
        let task = try #require(chain.task(id))
        #expect(task.kind == .verification)
        #expect(task.attempts[0].verifiers.count == 3)
        let deploy = Fixtures.program("demo")
        let fee = try Pricing.quote(deploy.verifierResources, seconds: deploy.verifierTimeLimitSeconds, redundancy: 3, prices: .genesis).total
        #expect(balanceBeforeOverhead(chain, user) == balance - fee)
        var workers = SimulatedWorkers(keys: keys)
        workers.observe(outcome.events, state: chain.state)
        try chain.run(&workers) { $0.tasks[id]?.state.isTerminal == true }
        // The simulated verifiers find this proof invalid (its digest is not the valid one): the verdict is "invalid", verifiers are paid.
        let done = try #require(chain.task(id))
        #expect(done.state == .failed)
        #expect(done.failure?.contains("invalid") == true)
        #expect(done.escrow == 0)
        #expect(done.paid > 0)
        expectConserved(chain.state)
    }

    @Test("cancel refunds a pending task in full and a running one for the time not used")
    func cancel() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balance = balanceBeforeOverhead(chain, user)
        let id = try #require(try chain.submit(proofRequest(program, seconds: 100), by: user).transactions.first?.created)
        #expect(chain.task(id)?.state == .pending)
        try chain.submit(.cancelTask(CancelTask(task: id)), by: user)
        #expect(chain.task(id)?.state == .cancelled)
        #expect(balanceBeforeOverhead(chain, user) == balance)
        #expect(chain.state.workers.values.allSatisfy { $0.reserved == .zero })

        let running = try request(&chain, proofRequest(program, seconds: 100))
        let fee = try #require(chain.task(running)?.feePerSlot)
        let prover = try #require(keys.first { $0.address == chain.task(running)?.attempts.first?.worker })
        try chain.submit(.acceptTask(AcceptTask(task: running, attempt: 1)), by: prover)
        _ = try chain.advance(25_000)
        try chain.submit(.cancelTask(CancelTask(task: running)), by: user, interval: 100)
        let task = try #require(chain.task(running))
        #expect(task.state == .cancelled)
        #expect(task.refunded > 0 && task.refunded < fee)
        #expect(task.refunded + task.paid <= fee)
        #expect(chain.state.workers[prover.address]?.earned ?? 0 > 0)
        try expectRefusal(&chain, .cancelTask(CancelTask(task: running)), by: user, code: .alreadyFinished)
        expectConserved(chain.state)
    }

    @Test("a new worker is on probation until its capacity test is delivered and verified; a failed test jails it")
    func capacityTests() throws {
        var (chain, keys, _) = try chainWithProgram()
        let newcomer = AccountKey(deterministicFrom: "newcomer")
        let cheater = AccountKey(deterministicFrom: "cheater")
        for key in [newcomer, cheater] {
            try chain.submit(.transfer(Transfer(to: key.address, amount: 200 * MicroCredit.perCredit)), by: user)
        }
        let capacity = Resources(cpuMillicores: 16_000, memoryBytes: 64 * Units.gib)
        let outcome = try chain.block([
            chain.sign(.registerWorker(RegisterWorker(capacity: capacity, diskBytes: 1 << 40, stake: 100 * MicroCredit.perCredit)), by: newcomer),
            chain.sign(.registerWorker(RegisterWorker(capacity: capacity, diskBytes: 1 << 40, stake: 100 * MicroCredit.perCredit)), by: cheater),
        ])
        #expect(outcome.rejected.isEmpty)
        #expect(chain.state.workers[newcomer.address]?.status == .probation)
        let tests = events(outcome.events, .capacityTestAssigned)
        #expect(tests.count == 2)
        let testID = try #require(tests.first { $0.worker == newcomer.address }?.task)
        let test = try #require(chain.task(testID))
        #expect(test.kind == .capacityTest)
        #expect(test.resources == capacity)
        #expect(test.attempts.first?.worker == newcomer.address)

        var workers = SimulatedWorkers(keys: keys + [newcomer, cheater], behaviour: [cheater.address: .lies])
        workers.observe(outcome.events, state: chain.state)
        try chain.run(&workers) { state in
            state.workers[newcomer.address]?.status == .active && state.workers[cheater.address]?.status == .jailed
        }
        #expect(chain.state.workers[newcomer.address]?.status == .active)
        #expect(chain.state.workers[cheater.address]?.status == .jailed)
        #expect(chain.state.workers[cheater.address]?.jailedUntilMilliseconds != nil)
        expectConserved(chain.state)
    }

    @Test("idle active workers receive random capacity tests")
    func idleTests() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.idleTestPartsPerMillion = 100_000
        var (chain, keys, _) = try chainWithProgram(parameters: parameters)
        var workers = SimulatedWorkers(keys: keys)
        // A test may already be assigned in the deploy block: the workers see that block too.
        for outcome in chain.outcomes { workers.observe(outcome.events, state: chain.state) }
        let seen = chain.allEvents + (try chain.run(&workers, maxBlocks: 40) { _ in false })
        #expect(!events(seen, .capacityTestAssigned).isEmpty)
        #expect(chain.state.workers.values.allSatisfy { $0.status == .active }, "\(seen.filter { [.workerJailed, .capacityTestFailed, .workerStrike].contains($0.kind) })")
    }

    @Test("a prover set draws provers and verifiers from its opted-in members only")
    func proverSets() throws {
        var (chain, keys, program) = try chainWithProgram(workers: 8)
        let members = Array(keys.prefix(5))
        try chain.submit(.createProverSet(CreateProverSet(name: "h100", members: members.map(\.address))), by: user)
        // Listed but not opted in: requests naming the set cannot be served yet.
        try expectRefusal(&chain, proofRequest(program, proverSet: "h100"), by: user, code: .noWorkerFits)
        try chain.block(members.map { chain.sign(.joinProverSet(JoinProverSet(name: "h100")), by: $0) })
        try expectRefusal(&chain, .joinProverSet(JoinProverSet(name: "h100")), by: keys[6], code: .notAdmitted)
        let id = try request(&chain, proofRequest(program, proverSet: "h100"))
        var workers = SimulatedWorkers(keys: keys)
        workers.observe(chain.outcomes[chain.outcomes.count - 1].events, state: chain.state)
        try chain.run(&workers) { $0.tasks[id]?.state == .verified }
        let task = try #require(chain.task(id))
        let involved = task.attempts.compactMap(\.worker) + task.attempts.flatMap { $0.verifiers.map(\.worker) }
        #expect(involved.allSatisfy { address in members.contains { $0.address == address } })
    }

    @Test("label-selected prover sets admit workers whose labels match")
    func labelSets() throws {
        var (chain, keys, _) = try chainWithProgram()
        let labelled = AccountKey(deterministicFrom: "labelled")
        try chain.submit(.transfer(Transfer(to: labelled.address, amount: 200 * MicroCredit.perCredit)), by: user)
        try chain.submit(.registerWorker(RegisterWorker(capacity: Fixtures.gpuNode, diskBytes: 1 << 40, labels: ["gpu": "h100"], stake: 100 * MicroCredit.perCredit)), by: labelled)
        try chain.submit(.createProverSet(CreateProverSet(name: "gpus", labels: ["gpu": "h100"])), by: user)
        try chain.submit(.joinProverSet(JoinProverSet(name: "gpus")), by: labelled)
        try expectRefusal(&chain, .joinProverSet(JoinProverSet(name: "gpus")), by: keys[0], code: .notAdmitted)
        #expect(chain.state.proverSets["gpus"]?.joined == [labelled.address])
    }

    @Test("the free tier pays fees up to its allowance per period, minted on use")
    func freeTier() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.freeTierAllowance = 150
        var (chain, _, program) = try chainWithProgram(parameters: parameters)
        let balance = balanceBeforeOverhead(chain, user)
        let minted = chain.state.totals.minted
        let id = try request(&chain, proofRequest(program))
        let fee = try #require(chain.task(id)?.feePerSlot)
        #expect(fee == 120)
        #expect(balanceBeforeOverhead(chain, user) == balance)
        let second = try request(&chain, proofRequest(program))
        _ = second
        #expect(balanceBeforeOverhead(chain, user) == balance - (2 * fee - 150))
        #expect(chain.state.totals.minted == minted + 150)
        expectConserved(chain.state)
    }

    @Test("a worker that announces exit gets no new work and its stake back after the exit delay")
    func exit() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.exitDelayMilliseconds = 5_000
        var (chain, keys, program) = try chainWithProgram(parameters: parameters)
        let leaving = keys[0]
        let stake = try #require(chain.state.workers[leaving.address]?.stake)
        let balance = chain.state.balance(of: leaving.address)
        try chain.submit(.announceExit(AnnounceExit()), by: leaving)
        #expect(chain.state.workers[leaving.address]?.status == .exiting)
        let id = try request(&chain, proofRequest(program, redundancy: 5))
        #expect(chain.task(id)?.attempts.allSatisfy { $0.worker != leaving.address } == true)
        _ = try chain.advance(4_000)
        #expect(chain.state.balance(of: leaving.address) == balance)
        _ = try chain.advance(1_500)
        #expect(chain.state.workers[leaving.address]?.status == .exited)
        #expect(chain.state.balance(of: leaving.address) == balance + stake)
        expectConserved(chain.state)
    }
}

@Suite("Workflows", .tags(.unit))
struct WorkflowTests {
    func aggregation(_ program: ProgramID, segments: Int) -> SubmitWorkflow {
        let resources = Resources(cpuMillicores: 1_000, memoryBytes: Units.gib)
        var steps = (0..<segments).map { index in
            WorkflowStep(name: "segment-\(index)", program: program, inputs: [.file(Fixtures.input("segment-\(index).bin"))], resources: resources, timeLimitSeconds: 30)
        }
        steps.append(WorkflowStep(name: "aggregate", program: program,
                                  inputs: (0..<segments).map { .output(ofStep: "segment-\($0)", path: "proof.bin") }, resources: resources, timeLimitSeconds: 30))
        return SubmitWorkflow(name: "segments-to-root", steps: steps)
    }

    @Test("N segment proofs → an aggregation step that starts only when its parents are verified, reading their outputs")
    func aggregationTree() throws {
        var (chain, keys, program) = try chainWithProgram()
        let balance = balanceBeforeOverhead(chain, user)
        let outcome = try chain.submit(.submitWorkflow(aggregation(program, segments: 3)), by: user)
        let id = try #require(outcome.transactions.first?.created)
        let workflow = try #require(chain.state.workflows[id])
        let total = workflow.steps.map(\.fee).reduce(0, +)
        #expect(balanceBeforeOverhead(chain, user) == balance - total)
        #expect(workflow.steps.filter { $0.task != nil }.count == 3)
        #expect(workflow.steps.last?.task == nil)

        var workers = SimulatedWorkers(keys: keys)
        workers.observe(outcome.events, state: chain.state)
        try chain.run(&workers) { $0.workflows[id]?.state == .completed }
        let done = try #require(chain.state.workflows[id])
        #expect(done.state == .completed)
        #expect(done.escrow == 0)
        let rootID = try #require(done.steps.last?.task)
        let root = try #require(chain.task(rootID))
        #expect(root.inputs.map(\.path) == ["segment-0/proof.bin", "segment-1/proof.bin", "segment-2/proof.bin"])
        for input in root.inputs {
            let parent = try #require(chain.task(IDs.workflowStep(id, step: String(input.path.split(separator: "/")[0]))))
            #expect(input.digest == SimulatedWorkers.validProofDigest(parent.id))
            #expect(parent.completedAtMilliseconds ?? .max <= root.submittedAtMilliseconds)
        }
        expectConserved(chain.state)
    }

    @Test("a failed step cancels the rest and refunds their escrow")
    func failureCancelsTheRest() throws {
        var (chain, keys, program) = try chainWithProgram()
        let failing = try chain.submit(.deployProgram(Fixtures.program("always-fails")), by: user)
        let bad = try #require(failing.transactions.first?.created)
        var definition = aggregation(program, segments: 2)
        definition.steps[0].program = bad
        let balance = balanceBeforeOverhead(chain, user)
        let outcome = try chain.submit(.submitWorkflow(definition), by: user)
        let id = try #require(outcome.transactions.first?.created)
        let badTask = IDs.workflowStep(id, step: "segment-0")
        // The bad step's provers never deliver (its attempts time out); the good segment proves honestly.
        var workers = SimulatedWorkers(keys: keys)
        workers.observe(outcome.events, state: chain.state)
        for _ in 0..<400 {
            let due = workers.due(at: chain.now + 1_000, chain: &chain).filter { transaction in
                if case .submitResult(let result) = transaction.body { return result.task != badTask }
                return true
            }
            let block = try chain.block(due, interval: 1_000)
            workers.observe(block.events, state: chain.state)
            if chain.state.workflows[id]?.state != .running { break }
        }
        let done = try #require(chain.state.workflows[id])
        #expect(done.state == .failed)
        #expect(done.escrow == 0)
        #expect(chain.task(badTask)?.state == .failed)
        #expect(done.steps.last?.task == nil)
        // The aggregate step never started: its escrow came back to the requester.
        let refunds = chain.allEvents.filter { $0.kind == .refunded && $0.workflow == id }
        #expect(refunds.map(\.amount) == [done.steps[2].fee])
        #expect(balanceBeforeOverhead(chain, user) >= balance - done.steps[0].fee - done.steps[1].fee)
        expectConserved(chain.state)
    }
}
