public import ProvaCore
public import ProvaLedger

/// Drives the real ledger with a simulated fleet and workload, block by block, exactly as a solo validator
/// builds blocks: transactions due by a block's time go into it, the ledger applies them and runs its
/// end-of-block work, and simulated workers and users answer the events in later blocks.
public struct Simulation: Sendable {
    public let config: SimConfig
    public let fleet: Fleet
    public let workload: Workload
    public private(set) var ledger: Ledger
    public let genesis: Genesis
    public let program: DeployProgram

    static let chainID = "prova-sim"
    static let genesisMilliseconds: Milliseconds = 1_700_000_000_000
    static let validProof = SHA256Hex.of("prova-sim/valid-proof")
    static let garbageProof = SHA256Hex.of("prova-sim/garbage")

    let requesters: [Address]
    let proposer: AccountKey
    var workloadRandom: SeededGenerator
    var behaviourRandom: SeededGenerator
    var outbox: Outbox
    var metrics: MetricsCollector
    var openTasks: [TaskID: TaskMeta] = [:]
    /// Committed ballots, by task then "worker attempt", until reveals open (dropped when the task ends).
    var ballots: [TaskID: [String: Ballot]] = [:]
    var openWorkflows: [WorkflowID: TaskMeta] = [:]
    var unassigned = 0
    /// Ledger tasks the arrivals have asked for so far; arrivals stop at `config.tasks`.
    public internal(set) var tasksRequested = 0
    var arrivalsEnded: Milliseconds?
    var nextRequester = 0
    public internal(set) var arrivalCount = 0
    let capacityTotals: (cpu: Double, memory: Double, gpu: Double, priced: Double)

    /// A run of `config`; `fleet` replaces the generated fleet (tests use it to fix every worker's traits).
    public init(config: SimConfig, fleet custom: Fleet? = nil) throws {
        try config.validate()
        self.config = config
        var fleetRandom = SeededGenerator(seed: "prova-sim/fleet/\(config.seed)")
        var parameters = ChainParameters.genesisDefaults
        parameters.idleTestPartsPerMillion = 0
        parameters.maxBlockIntervalMilliseconds = config.blockIntervalMilliseconds
        parameters.maxBlockTransactions = 10_000_000
        // At the default limit (3) the one program every simulated user runs is blocked for good after three tasks
        // fail on every attempt, which a 2 % failure rate produces within a few thousand tasks: the run would measure
        // refusals, not allocation. Strikes are still counted (`program_strikes`). See docs/ALLOCATION.md.
        parameters.programStrikeLimit = 1_000_000_000
        if let custom {
            guard custom.workers.count >= 4, custom.operatorSizes.count == config.operators,
                  custom.workers.enumerated().allSatisfy({ $0.offset == $0.element.index && $0.element.operatorIndex < config.operators }) else {
                throw SimError(.badFleet, "a custom fleet needs at least 4 workers indexed 0..<n and exactly config.operators operators")
            }
            fleet = custom
        } else {
            var generated = Fleet.generate(workers: config.workers, operators: config.operators, minStake: parameters.minWorkerStake, gpus: config.gpus, random: &fleetRandom)
            if config.lazyVerifiers > 0 {
                var lazyRandom = SeededGenerator(seed: "prova-sim/lazy/\(config.seed)")
                for index in generated.workers.indices { generated.workers[index].lazy = lazyRandom.bernoulli(config.lazyVerifiers) }
            }
            fleet = generated
        }
        program = DeployProgram(
            name: "sim-prover",
            prover: ImageSpec(digest: SHA256Hex.of("prova-sim/prover"), command: ["/bin/prove"]),
            verifier: ImageSpec(digest: SHA256Hex.of("prova-sim/verifier"), command: ["/bin/verify"]),
            defaultResources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), defaultTimeLimitSeconds: 60,
            verifierResources: Resources(cpuMillicores: 1_000, memoryBytes: 2 * Units.gib), verifierTimeLimitSeconds: 30)
        let meanFraction = (config.runFractionLow + config.runFractionHigh) / 2 * Statistics.mean(fleet.workers.map(\.speed))
        workload = try Workload(classes: config.classes, load: config.load, fleet: fleet, meanRunFraction: meanFraction,
                                blockInterval: config.blockIntervalMilliseconds, verifierResources: program.verifierResources,
                                verifierSeconds: Self.meanVerifySeconds + 1.5 * Double(config.blockIntervalMilliseconds) / 1000,
                                verifiers: Int(config.verifiers))
        let requesterCount = min(1_000, max(4, config.tasks / 1_000))
        requesters = (0..<requesterCount).map { String(SHA256Hex.of("prova-sim/requester/\($0)").prefix(40)) }
        proposer = AccountKey(deterministicFrom: "prova-sim/validator")
        let authority = String(SHA256Hex.of("prova-sim/authority").prefix(40))
        let testProgram = DeployProgram(
            name: "capacity-test",
            prover: ImageSpec(digest: SHA256Hex.of("prova-sim/capacity-test-prover"), command: ["/bin/capacity-test", "prove"]),
            verifier: ImageSpec(digest: SHA256Hex.of("prova-sim/capacity-test-verifier"), command: ["/bin/capacity-test", "verify"]),
            defaultResources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), defaultTimeLimitSeconds: 60,
            verifierResources: Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib), verifierTimeLimitSeconds: 30)
        genesis = Genesis(
            chainID: Self.chainID, timestampMilliseconds: Self.genesisMilliseconds,
            validators: [Genesis.Validator(key: proposer, url: "http://127.0.0.1:8080")], authority: authority, parameters: parameters,
            accounts: requesters.map { Genesis.FundedAccount(address: $0, balance: 1_000_000 * MicroCredit.perCredit) },
            workers: fleet.workers.map { Genesis.InitialWorker(address: $0.address, capacity: $0.node.capacity, diskBytes: 1 << 40, stake: $0.stake) },
            treasury: 0, capacityTestProgram: testProgram)
        do { ledger = try Ledger(genesis: genesis) } catch {
            throw SimError(.badGenesis, "the simulated genesis was refused by the ledger; this is a simulator bug", cause: "\(error)")
        }
        ledger.selectionPolicy = Mechanisms.policy(for: config.mechanism, fleet: fleet)
        ledger.placement = config.mechanism == .uniform ? .uniform : .tiered
        workloadRandom = SeededGenerator(seed: "prova-sim/workload/\(config.seed)")
        behaviourRandom = SeededGenerator(seed: "prova-sim/behaviour/\(config.seed)/\(config.mechanism.rawValue)")
        outbox = Outbox(genesisMilliseconds: Self.genesisMilliseconds, interval: config.blockIntervalMilliseconds)
        metrics = MetricsCollector(classNames: config.classes.map(\.name), workers: fleet.workers.count)
        var cpu = 0.0, memory = 0.0, gpu = 0.0, priced = 0.0
        for worker in fleet.workers {
            cpu += Double(worker.node.capacity.cpuMillicores)
            memory += Double(worker.node.capacity.memoryBytes)
            gpu += Double(worker.node.capacity.gpus)
            priced += Self.hourlyValue(worker.node.capacity)
        }
        capacityTotals = (cpu, memory, gpu, priced)
        outbox.schedule(ScheduledTransaction(sender: requesters[0], body: .deployProgram(program), purpose: .deploy), atHeight: 1)
    }

    /// Verifiers take 1 to 5 s to check a proof.
    static let meanVerifySeconds = 3.0

    /// List price per hour of some resources, unrounded.
    static func hourlyValue(_ resources: Resources) -> Double {
        let prices = PriceSchedule.genesis
        return Double(resources.cpuMillicores) / 1000 * Double(prices.cpuCoreHour)
            + Double(resources.memoryBytes) / Double(Units.gib) * Double(prices.memoryGiBHour)
            + Double(resources.gpus) * Double(prices.gpuHour)
    }

    public var height: UInt64 { ledger.state.height }
    public var now: Milliseconds { ledger.state.lastTimestampMilliseconds }

    /// True once every arrival was submitted and every task it created has ended (or the drain limit passed).
    public var isFinished: Bool {
        guard let ended = arrivalsEnded else { return false }
        if openTasks.isEmpty && openWorkflows.isEmpty { return true }
        return now - ended > config.drainLimitMilliseconds
    }

    /// Runs blocks until `isFinished`; `onBlock` sees the ledger after each block (for invariants and progress).
    public mutating func run(onBlock: (borrowing Simulation, BlockOutcome) throws -> Void = { _, _ in }) throws -> SimReport {
        while !isFinished {
            let outcome = try step()
            try onBlock(self, outcome)
        }
        return report()
    }

    /// Builds, proposes and commits one block, then lets the simulated fleet and users react to its events.
    @discardableResult
    public mutating func step() throws -> BlockOutcome {
        let next = height + 1
        let time = Self.genesisMilliseconds + Milliseconds(next) * config.blockIntervalMilliseconds
        if arrivalsEnded == nil { generateArrivals(from: now, to: time, height: next) }
        let scheduled = outbox.take(height: next).filter(isStillWanted)
        var nonces: [Address: UInt64] = [:]
        var built: [VerifiedTransaction] = []
        built.reserveCapacity(scheduled.count)
        for item in scheduled {
            let nonce = nonces[item.sender] ?? ledger.state.nonce(of: item.sender)
            nonces[item.sender] = nonce + 1
            built.append(.unchecked(sender: item.sender, nonce: nonce, body: item.body, chainID: Self.chainID))
        }
        let proposal: Proposal
        do {
            proposal = try ledger.propose(verified: built, timestampMilliseconds: time, proposer: proposer)
        } catch {
            throw SimError(.blockFailed, "the ledger refused to build block \(next); this is a ledger or simulator bug", cause: "\(error)")
        }
        let outcome = proposal.outcome
        metrics.transactions += outcome.transactions.count
        reconcile(built: built, scheduled: scheduled, outcome: outcome, height: next)
        observe(outcome.events, height: next, time: time)
        sample(height: next, time: time, transactions: outcome.transactions.count)
        if config.checkInvariants { try Invariants.check(ledger.state) }
        return outcome
    }

    /// Matches included transactions to what was sent: new tasks and workflows enter the metrics; a transaction
    /// refused only because an earlier one of its sender was refused in the same block is sent again next block.
    mutating func reconcile(built: [VerifiedTransaction], scheduled: [ScheduledTransaction], outcome: BlockOutcome, height: UInt64) {
        var included = outcome.transactions.makeIterator()
        var current = included.next()
        var refused: [TransactionHash: ErrorCode] = [:]
        for rejection in outcome.rejected { if let hash = rejection.hash { refused[hash] = rejection.error.code } }
        for (transaction, item) in zip(built, scheduled) {
            if let result = current, result.hash == transaction.hash {
                current = included.next()
                switch item.purpose {
                case .request(let classIndex, let arrival):
                    if let task = result.created {
                        openTasks[task] = TaskMeta(classIndex: classIndex, arrival: arrival, submittedHeight: height)
                        metrics.classes[classIndex].submitted += 1
                        unassigned += 1
                    }
                case .workflow(let classIndex, let arrival):
                    if let workflow = result.created {
                        openWorkflows[workflow] = TaskMeta(classIndex: classIndex, arrival: arrival, submittedHeight: height)
                        metrics.workflowsSubmitted += 1
                    }
                default:
                    break
                }
                continue
            }
            let code = refused[transaction.hash] ?? ErrorCode("unknown")
            if code.isNonceMismatch {
                outbox.schedule(item, atHeight: height + 1)
            } else {
                metrics.rejectedByCode[code.rawValue, default: 0] += 1
            }
        }
    }

    /// A worker or user that watches the chain does not send what no longer applies (a vote on a decided
    /// attempt, a result for an attempt that timed out): drop those before they reach the block.
    func isStillWanted(_ item: ScheduledTransaction) -> Bool {
        switch item.purpose {
        case .accept(let task, let attempt):
            return attemptState(task, attempt) == .assigned
        case .result(let task, let attempt):
            return attemptState(task, attempt) == .running
        case .vote(let task, let attempt):
            guard let record = ledger.state.tasks[task], attempt <= record.attempts.count else { return false }
            let current = record.attempts[attempt - 1]
            return current.state == .delivered && current.verifiers.contains { $0.worker == item.sender && $0.state == .pending }
        case .reveal(let task, let attempt):
            guard let record = ledger.state.tasks[task], attempt <= record.attempts.count else { return false }
            let current = record.attempts[attempt - 1]
            return current.state == .delivered && current.revealDeadlineMilliseconds != nil
                && current.verifiers.contains { $0.worker == item.sender && $0.state == .committed }
        case .cancelRace(let task):
            guard let record = ledger.state.tasks[task] else { return false }
            return record.slots.contains { $0.state == .waiting || $0.state == .assigned || $0.state == .running }
        case .request, .workflow, .deploy:
            return true
        }
    }

    func attemptState(_ task: TaskID, _ attempt: Int) -> AttemptState? {
        guard let record = ledger.state.tasks[task], attempt >= 1, attempt <= record.attempts.count else { return nil }
        return record.attempts[attempt - 1].state
    }

    /// Samples reserved capacity over declared capacity.
    mutating func sample(height: UInt64, time: Milliseconds, transactions: Int) {
        var cpu: Int64 = 0, memory: Int64 = 0, gpu: Int64 = 0
        for worker in ledger.state.workers.values {
            cpu += worker.reserved.cpuMillicores
            memory += worker.reserved.memoryBytes
            gpu += worker.reserved.gpus
        }
        let reserved = Resources(cpuMillicores: cpu, memoryBytes: memory, gpus: gpu)
        let totals = capacityTotals
        metrics.samples.append(UtilizationSample(
            height: height, seconds: Double(time - Self.genesisMilliseconds) / 1000,
            cpu: Double(cpu) / totals.cpu, memory: Double(memory) / totals.memory, gpu: totals.gpu > 0 ? Double(gpu) / totals.gpu : 0,
            priced: Self.hourlyValue(reserved) / totals.priced, openTasks: openTasks.count, queued: unassigned, transactions: transactions))
    }
}

extension Simulation {
    /// One line for progress output: simulated time, tasks submitted and still open.
    public var progressLine: String {
        let submitted = metrics.classes.reduce(0) { $0 + $1.submitted }
        return "t=\(Int((now - Self.genesisMilliseconds) / 1000)) s, \(submitted) tasks submitted, \(openTasks.count) open, \(unassigned) queued"
    }
}
