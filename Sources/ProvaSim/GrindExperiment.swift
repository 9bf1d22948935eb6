import ProvaCore
package import ProvaLedger

/// `prova sim --attack grind` (docs/ALLOCATION.md "Grinding"): an operator holding a share of the workers grinds what it
/// sends against every seed it can predict, on the real ledger, under the old seed rule and under the beacon.
///
/// It sends two streams, block after block: verify-only requests of proofs that are invalid, each ground over
/// `grindTries` variants (a variant is a different transaction, so a different task ID) until the verifiers predicted
/// from what it can see are 2 of 3 its own; and proof requests of its own, ground until the predicted prover is its own.
/// Its workers that prove hold each result back, up to `resultDelayBlocks`, until a block whose predicted verifiers are
/// its own. Honest workers accept, deliver and vote truthfully at once. Placement is uniform (`.uniform`), so that the
/// random expectation for a share F is exactly what it says: 3F² − 2F³ for a 2-of-3 majority, F for the prover.
package struct GrindExperiment: Sendable {
    package struct Config: Sendable {
        package var workers: Int
        package var attackerShare: Double
        /// Attacker tasks in all: half verify-only requests, half proof requests.
        package var tasks: Int
        package var seedRule: SeedRule
        package var grindTries: Int
        package var resultDelayBlocks: Int
        package var tasksPerBlock: Int

        package init(workers: Int = 200, attackerShare: Double = 0.25, tasks: Int = 100_000, seedRule: SeedRule = .beacon,
                    grindTries: Int = 64, resultDelayBlocks: Int = 5, tasksPerBlock: Int = 200) {
            self.workers = workers; self.attackerShare = attackerShare; self.tasks = tasks; self.seedRule = seedRule
            self.grindTries = grindTries; self.resultDelayBlocks = resultDelayBlocks; self.tasksPerBlock = tasksPerBlock
        }

        package func validate() throws {
            guard workers >= 10 else { throw SimError(.badConfig, "--workers must be at least 10 for the grinding experiment") }
            guard attackerShare > 0, attackerShare < 1 else { throw SimError(.badConfig, "--attacker-share must be between 0 and 1, e.g. 0.25") }
            guard tasks >= 2 else { throw SimError(.badConfig, "--tasks must be at least 2") }
            guard (1...4_096).contains(grindTries) else { throw SimError(.badConfig, "--grind-tries must be between 1 and 4,096") }
        }
    }

    package struct Report: Sendable {
        package var config: Config
        /// Share of the attacker's workers among all workers (the F the expectations use).
        package var share: Double
        /// Decided draws of 3 verifiers for the attacker's verify-only requests and for its delivered proofs.
        package var verifierDraws: Int
        package var capturedMajorities: Int
        /// Of those, the draws for verify-only requests (ground by the request) and how many were captured.
        package var verifyOnlyDraws: Int
        package var capturedVerifyOnly: Int
        package var ownRequests: Int
        package var selfProved: Int
        package var blocks: UInt64

        package var capturedShare: Double { verifierDraws == 0 ? 0 : Double(capturedMajorities) / Double(verifierDraws) }
        package var expectedShare: Double { 3 * share * share - 2 * share * share * share }
        package var selfProvedShare: Double { ownRequests == 0 ? 0 : Double(selfProved) / Double(ownRequests) }

        /// `name: value` lines, as `prova sim` prints them.
        package var lines: [String] {
            func percent(_ value: Double) -> String { String(Double((value * 10_000).rounded()) / 100) + "%" }
            return [
                "attack: grind", "seed_rule: \(config.seedRule.rawValue)", "attacker_share: \(percent(share))",
                "verifier_draws: \(verifierDraws)", "captured_majorities: \(percent(capturedShare))",
                "expected_majorities: \(percent(expectedShare))",
                "captured_verify_only: \(percent(verifyOnlyDraws == 0 ? 0 : Double(capturedVerifyOnly) / Double(verifyOnlyDraws)))",
                "captured_results: \(percent(verifierDraws == verifyOnlyDraws ? 0 : Double(capturedMajorities - capturedVerifyOnly) / Double(verifierDraws - verifyOnlyDraws)))", "own_requests: \(ownRequests)",
                "self_proved: \(percent(selfProvedShare))", "blocks: \(blocks)",
            ]
        }
    }

    static let chainID = "prova-grind"
    static let start: Milliseconds = 1_700_000_000_000
    static let interval: Milliseconds = 1_000
    static let taskResources = Resources(cpuMillicores: 1_000, memoryBytes: Units.gib)

    let config: Config
    var ledger: Ledger
    let proposer: AccountKey
    let attackerRequester: Address
    let attackerWorkers: Set<Address>
    let program: ProgramID
    /// Transactions for the next block, by sender, in order.
    var outgoing: [VerifiedTransaction] = []
    /// The attacker's results held back: task, attempt, the block it must be sent by.
    var heldResults: [(task: TaskID, attempt: Int, latest: UInt64)] = []
    /// Committed ballots, by "worker task attempt", until reveals open.
    var ballots: [String: Ballot] = [:]
    var verifierDraws = 0, captured = 0, verifyOnlyDraws = 0, capturedVerifyOnly = 0, ownRequests = 0, selfProved = 0
    var attackerTasks: Set<TaskID> = []
    var sent = 0

    package init(config: Config) throws {
        try config.validate()
        self.config = config
        proposer = AccountKey(deterministicFrom: "prova-grind/validator")
        attackerRequester = Addresses.from(publicKey: Array("prova-grind/attacker".utf8))
        let addresses = (0..<config.workers).map { Addresses.from(publicKey: Array("prova-grind/worker-\($0)".utf8)) }
        let attackers = max(1, Int((Double(config.workers) * config.attackerShare).rounded()))
        attackerWorkers = Set(addresses.prefix(attackers))
        var parameters = ChainParameters.genesisDefaults
        parameters.idleTestPartsPerMillion = 0
        // The experiment measures draws: workers voting against a majority (the attacker's, on its invalid proofs) and
        // a program whose proofs are voted invalid must not be jailed, slashed below the minimum stake or blocked out of
        // the population being drawn.
        parameters.workerStrikeLimit = 1_000_000_000
        parameters.minorityVoteSlashBasisPoints = 0
        parameters.missedVoteSlashBasisPoints = 0
        parameters.programStrikeLimit = 1_000_000_000
        parameters.maxBlockTransactions = 10_000
        let deploy = DeployProgram(
            name: "grind", prover: ImageSpec(digest: SHA256Hex.of("prova-grind/prover"), command: ["/prove"]),
            verifier: ImageSpec(digest: SHA256Hex.of("prova-grind/verifier"), command: ["/verify"]),
            defaultResources: Self.taskResources, defaultTimeLimitSeconds: 60,
            verifierResources: Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib), verifierTimeLimitSeconds: 30)
        let testProgram = DeployProgram(
            name: "capacity-test", prover: ImageSpec(digest: SHA256Hex.of("prova-grind/test"), command: ["/test"]),
            verifier: ImageSpec(digest: SHA256Hex.of("prova-grind/test"), command: ["/test"]),
            defaultResources: Self.taskResources, defaultTimeLimitSeconds: 60,
            verifierResources: Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib), verifierTimeLimitSeconds: 30)
        let genesis = Genesis(
            chainID: Self.chainID, timestampMilliseconds: Self.start, validators: [Genesis.Validator(key: proposer, url: "http://127.0.0.1:8545")],
            authority: attackerRequester, parameters: parameters,
            accounts: [Genesis.FundedAccount(address: attackerRequester, balance: Limits.maxSupply / 4)] + addresses.map { Genesis.FundedAccount(address: $0, balance: 0) },
            workers: addresses.map { Genesis.InitialWorker(address: $0, capacity: Resources(cpuMillicores: 256_000, memoryBytes: 1 << 40), diskBytes: 1 << 40,
                                                           stake: parameters.minWorkerStake) },
            capacityTestProgram: testProgram)
        do { ledger = try Ledger(genesis: genesis) } catch {
            throw SimError(.badGenesis, "the grinding experiment's genesis was refused; this is a simulator bug", cause: "\(error)")
        }
        ledger.seedRule = config.seedRule
        ledger.placement = .uniform
        program = deploy.programID
        outgoing = [.unchecked(sender: attackerRequester, nonce: 0, body: .deployProgram(deploy), chainID: Self.chainID)]
    }

    /// Runs until every attacker task is sent and decided (or a drain limit passes), and reports.
    package mutating func run(progress: (UInt64, Int) -> Void = { _, _ in }) throws -> Report {
        var idle = 0
        while (sent < config.tasks || !attackerTasks.isEmpty) && idle < 600 {
            if ledger.state.height > 0 { sendRequests() }
            let outcome = try block()
            idle = outcome.transactions.isEmpty ? idle + 1 : 0
            if ledger.state.height % 100 == 0 { progress(ledger.state.height, sent) }
        }
        return Report(config: config, share: Double(attackerWorkers.count) / Double(config.workers), verifierDraws: verifierDraws,
                      capturedMajorities: captured, verifyOnlyDraws: verifyOnlyDraws, capturedVerifyOnly: capturedVerifyOnly, ownRequests: ownRequests, selfProved: selfProved, blocks: ledger.state.height)
    }

    /// The seed the attacker predicts with: under the old rule the one that will be used (the last block's hash); under
    /// the beacon its best guess, the freshest randomness it can see (the last beacon), since the one that will be used
    /// does not exist yet.
    var knownSeeds: [String] { [config.seedRule == .blockHash ? ledger.state.lastBlockHash : ledger.state.lastBeacon] }

    mutating func sendRequests() {
        let batch = min(config.tasksPerBlock, config.tasks - sent)
        guard batch > 0 else { return }
        var nonce = ledger.state.nonce(of: attackerRequester) + UInt64(outgoing.filter { $0.senderAddress == attackerRequester }.count)
        let proof = [InputRef(path: "proof.bin", digest: SHA256Hex.of("prova-grind/invalid-proof"), size: 64)]
        let input = [InputRef(path: "input.json", digest: SHA256Hex.of("prova-grind/input"), size: 64)]
        for index in 0..<batch {
            let verifyOnly = (sent + index) % 2 == 0
            let body: TransactionBody = verifyOnly
                ? .requestVerification(RequestVerification(program: program, inputs: input, proof: proof, verifiers: 3))
                : .requestProof(RequestProof(program: program, inputs: input, resources: Self.taskResources, timeLimitSeconds: 60, verifiers: 3))
            var chosen = VerifiedTransaction.unchecked(sender: attackerRequester, nonce: nonce, body: body, chainID: Self.chainID, variant: 1)
            for variant in 1...config.grindTries {
                let candidate = VerifiedTransaction.unchecked(sender: attackerRequester, nonce: nonce, body: body, chainID: Self.chainID, variant: variant)
                let task = IDs.task(fromTransaction: candidate.hash)
                let wins = knownSeeds.allSatisfy { seed in
                    if verifyOnly {
                        return isMajority(ledger.predictedVerifiers(task: task, slot: 0, counter: 1, resources: verifierResources, count: 3, excluding: [],
                                                                    randomness: seed))
                    }
                    return ledger.predictedProver(task: task, resources: Self.taskResources, randomness: seed).map(attackerWorkers.contains) ?? false
                }
                if wins {
                    chosen = candidate
                    break
                }
            }
            outgoing.append(chosen)
            nonce += 1
        }
        sent += batch
    }

    var verifierResources: Resources { Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib) }

    func isMajority(_ verifiers: [Address]) -> Bool {
        verifiers.count == 3 && verifiers.filter(attackerWorkers.contains).count >= 2
    }

    mutating func block() throws -> BlockOutcome {
        releaseHeldResults()
        let time = Self.start + Milliseconds(ledger.state.height + 1) * Self.interval
        let transactions = outgoing
        outgoing = []
        let outcome: BlockOutcome
        do { outcome = try ledger.propose(verified: transactions, timestampMilliseconds: time, proposer: proposer).outcome } catch {
            throw SimError(.blockFailed, "the ledger refused to build block \(ledger.state.height + 1); this is a simulator bug", cause: "\(error)")
        }
        for result in outcome.transactions {
            guard let task = result.created, result.sender == attackerRequester else { continue }
            if case .requestProof = transactions[result.index].body { ownRequests += 1 }
            if ledger.state.tasks[task] != nil { attackerTasks.insert(task) }
        }
        react(to: outcome.events)
        return outcome
    }

    /// Honest workers accept and deliver at once and vote truthfully; the attacker's workers vote `valid` on its tasks.
    mutating func react(to events: [LedgerEvent]) {
        var nonces: [Address: UInt64] = [:]
        func send(_ sender: Address, _ body: TransactionBody) {
            let nonce = nonces[sender] ?? ledger.state.nonce(of: sender)
            nonces[sender] = nonce + 1
            outgoing.append(.unchecked(sender: sender, nonce: nonce, body: body, chainID: Self.chainID))
        }
        for event in events {
            guard let task = event.task, let record = ledger.state.tasks[task], let attempt = event.attempt else { continue }
            switch event.kind {
            case .taskAssigned:
                guard let worker = event.worker else { continue }
                if attackerTasks.contains(task), attempt == 1 { selfProved += attackerWorkers.contains(worker) ? 1 : 0 }
                send(worker, .acceptTask(AcceptTask(task: task, attempt: attempt)))
                if attackerWorkers.contains(worker) {
                    heldResults.append((task, attempt, ledger.state.height + 1 + UInt64(config.resultDelayBlocks)))
                } else {
                    send(worker, .submitResult(result(task, attempt)))
                }
            case .verifierAssigned:
                guard let worker = event.worker else { continue }
                let attackerTask = attackerTasks.contains(task)
                let verdict: Verdict = attackerWorkers.contains(worker) && attackerTask ? .valid : (record.kind == .verification ? .invalid : .valid)
                let ballot = Ballot(task: task, attempt: attempt, verdict: verdict,
                                    transcript: VoteTranscript(claiming: verdict, checked: record.checkedDigest(attempt: attempt)),
                                    salt: SHA256Hex.of("grind-salt:\(worker):\(task):\(attempt)"))
                ballots["\(worker) \(task) \(attempt)"] = ballot
                if let commit = try? ballot.commit(by: worker) { send(worker, .commitVote(commit)) }
                if attackerTask, record.attempts[attempt - 1].verifiers.count == 3, record.attempts[attempt - 1].verifiers.last?.worker == worker {
                    verifierDraws += 1
                    let majority = isMajority(record.attempts[attempt - 1].verifiers.map(\.worker))
                    if majority { captured += 1 }
                    if record.kind == .verification {
                        verifyOnlyDraws += 1
                        if majority { capturedVerifyOnly += 1 }
                    }
                }
            case .revealRequested:
                guard let worker = event.worker, let ballot = ballots.removeValue(forKey: "\(worker) \(task) \(attempt)") else { continue }
                send(worker, .revealVote(ballot.reveal))
            default:
                break
            }
            if record.state.isTerminal { attackerTasks.remove(task) }
        }
        for task in attackerTasks where ledger.state.tasks[task]?.state.isTerminal ?? true { attackerTasks.remove(task) }
    }

    func result(_ task: TaskID, _ attempt: Int) -> SubmitResult {
        SubmitResult(task: task, attempt: attempt, exitCode: 0, outputs: [OutputRef(path: "proof.bin", digest: SHA256Hex.of("proof:\(task)"), size: 64)])
    }

    /// The attacker's provers send a held result in the first block whose predicted verifiers are its own (or at the
    /// latest block it allowed itself): under the old rule the result's block draws them from the hash it can see.
    mutating func releaseHeldResults() {
        var still: [(task: TaskID, attempt: Int, latest: UInt64)] = []
        let next = ledger.state.height + 1
        for held in heldResults {
            guard let record = ledger.state.tasks[held.task], record.attempts.count >= held.attempt,
                  [.assigned, .running].contains(record.attempts[held.attempt - 1].state), let worker = record.attempts[held.attempt - 1].worker
            else { continue }
            let predictedOwn = knownSeeds.allSatisfy { seed in
                isMajority(ledger.predictedVerifiers(task: held.task, slot: record.attempts[held.attempt - 1].slot, counter: record.draws + 1,
                                                     resources: verifierResources, count: 3, excluding: record.provers, randomness: seed))
            }
            if predictedOwn || next >= held.latest {
                let nonce = ledger.state.nonce(of: worker) + UInt64(outgoing.filter { $0.senderAddress == worker }.count)
                outgoing.append(.unchecked(sender: worker, nonce: nonce, body: .submitResult(result(held.task, held.attempt)), chainID: Self.chainID))
            } else {
                still.append(held)
            }
        }
        heldResults = still
    }
}
