import ProvaCore
import ProvaLedger

/// The fleet's side: simulated workers answer assignments and verifier draws; every event feeds the metrics.
extension Simulation {
    mutating func observe(_ events: [LedgerEvent], height: UInt64, time: Milliseconds) {
        for event in events {
            switch event.kind {
            case .taskAssigned:
                metrics.assignments += 1
                if let task = event.task { noteAssigned(task, height: height) }
                if let worker = event.worker, let index = fleet.indexByAddress[worker], let task = event.task, let attempt = event.attempt {
                    proverAssigned(index, task: task, attempt: attempt, height: height, time: time)
                }
            case .verifierAssigned:
                if let worker = event.worker, let index = fleet.indexByAddress[worker], let task = event.task, let attempt = event.attempt {
                    metrics.verifierDuties[index] += 1
                    verifierAssigned(index, task: task, attempt: attempt, height: height, time: time)
                }
            case .revealRequested:
                if let worker = event.worker, let task = event.task, let attempt = event.attempt,
                   let ballot = ballots[task]?.removeValue(forKey: "\(worker) \(attempt)") {
                    let revealAt = time + Milliseconds(behaviourRandom.uniform(100, 900))
                    outbox.schedule(ScheduledTransaction(sender: worker, body: .revealVote(ballot.reveal), purpose: .reveal(task: task, attempt: attempt)),
                                    atHeight: outbox.height(for: revealAt, earliest: height + 1))
                }
            case .taskDelivered:
                if config.mechanism == .race, let task = event.task, let requester = event.account, var meta = openTasks[task], !meta.raceDecided {
                    meta.raceDecided = true
                    openTasks[task] = meta
                    outbox.schedule(ScheduledTransaction(sender: requester, body: .cancelTask(CancelTask(task: task)), purpose: .cancelRace(task: task)),
                                    atHeight: height + 1)
                }
            case .taskVerified, .taskAcceptedUnverified:
                if isInvalidProof(event) { metrics.invalidAccepted += 1 }
                if let task = event.task { ballots[task] = nil }
                guard let task = event.task, let meta = openTasks.removeValue(forKey: task) else { continue }
                metrics.classes[meta.classIndex].verified += 1
                metrics.classes[meta.classIndex].latencyMilliseconds.append(time - meta.arrival)
                if config.mechanism == .auction, let worker = event.worker, let index = fleet.indexByAddress[worker],
                   let fee = ledger.state.tasks[task]?.feePerSlot {
                    metrics.auctionClearing += Double(fee) * fleet.workers[index].bid
                }
            case .taskFailed, .taskExpired, .taskCancelled:
                if let task = event.task { ballots[task] = nil }
                guard let task = event.task, let meta = openTasks.removeValue(forKey: task) else { continue }
                if !meta.assigned {
                    unassigned -= 1
                    metrics.classes[meta.classIndex].queueBlocks.append(Int32(clamping: height - meta.submittedHeight))
                }
                switch event.kind {
                case .taskFailed: metrics.classes[meta.classIndex].failed += 1
                case .taskExpired: metrics.classes[meta.classIndex].expired += 1
                default: metrics.classes[meta.classIndex].cancelled += 1
                }
            case .workflowStepReleased:
                guard let task = event.task, let workflow = event.workflow, let parent = openWorkflows[workflow] else { continue }
                var meta = TaskMeta(classIndex: parent.classIndex, arrival: time, submittedHeight: height)
                meta.isWorkflowStep = true
                openTasks[task] = meta
                metrics.classes[parent.classIndex].submitted += 1
                unassigned += 1
            case .workflowCompleted:
                guard let workflow = event.workflow, let meta = openWorkflows.removeValue(forKey: workflow) else { continue }
                metrics.workflowsCompleted += 1
                metrics.workflowLatency.append(time - meta.arrival)
            case .workflowFailed:
                guard let workflow = event.workflow, openWorkflows.removeValue(forKey: workflow) != nil else { continue }
                metrics.workflowsFailed += 1
            case .paid:
                guard let account = event.account, let index = fleet.indexByAddress[account], let amount = event.amount else { continue }
                let detail = event.detail ?? ""
                if detail == "verifier" {
                    metrics.verifierReward[index] += amount
                } else if config.mechanism == .race && detail.hasPrefix("prover, cancelled") {
                    // A losing racer: the ledger pays it for the time it ran; racing as a market would not.
                    metrics.loserCompensation += amount
                } else {
                    metrics.proverReward[index] += amount
                }
            case .escrowed: metrics.escrowed += event.amount ?? 0
            case .refunded: metrics.refunded += event.amount ?? 0
            case .burned: metrics.burned += event.amount ?? 0
            case .slashed:
                metrics.slashed += event.amount ?? 0
                if let worker = event.worker, let index = fleet.indexByAddress[worker], let task = event.task, let attempt = event.attempt,
                   let record = ledger.state.tasks[task], attempt >= 1, attempt <= record.attempts.count, record.attempts[attempt - 1].worker != worker {
                    metrics.verifierSlashed[index] += event.amount ?? 0
                }
            case .fallback: metrics.fallbacks += 1
            case .acceptanceMissed: metrics.acceptanceMissed += 1
            case .attemptTimedOut: metrics.timedOut += 1
            case .attemptFailed: metrics.attemptsFailed += 1
            case .proofRejected:
                metrics.proofsRejected += 1
                if isInvalidProof(event) { metrics.invalidRejected += 1 }
            case .workerJailed:
                metrics.jailed += 1
                if let worker = event.worker, let index = fleet.indexByAddress[worker], fleet.workers[index].lazy { metrics.lazyJailed += 1 }
            case .programStrike: metrics.programStrikes += 1
            case .verifierMissed: metrics.verifierMisses += 1
            default:
                break
            }
        }
    }

    /// Whether the attempt an event names delivered an invalid proof.
    func isInvalidProof(_ event: LedgerEvent) -> Bool {
        guard let task = event.task, let attempt = event.attempt, let record = ledger.state.tasks[task],
              attempt >= 1, attempt <= record.attempts.count else { return false }
        return record.attempts[attempt - 1].result?.outputs.first?.digest == Self.garbageProof
    }

    mutating func noteAssigned(_ task: TaskID, height: UInt64) {
        guard var meta = openTasks[task], !meta.assigned else { return }
        meta.assigned = true
        openTasks[task] = meta
        unassigned -= 1
        metrics.classes[meta.classIndex].queueBlocks.append(Int32(clamping: height - meta.submittedHeight))
    }

    /// How an assignment goes wrong for this worker, if it does.
    enum Incident { case silence, timeout, failure, wrongProof }

    mutating func incident(for worker: SimWorker) -> Incident? {
        let mix = config.failures
        guard behaviourRandom.bernoulli(mix.rate * worker.failureMultiplier) else { return nil }
        switch behaviourRandom.weighted([mix.silence, mix.timeout, mix.failure, mix.wrongProof]) {
        case 0: return .silence
        case 1: return .timeout
        case 2: return .failure
        default: return .wrongProof
        }
    }

    /// A prover accepts within a second (or stays silent), runs for its drawn time, and reports.
    mutating func proverAssigned(_ index: Int, task: TaskID, attempt: Int, height: UInt64, time: Milliseconds) {
        guard let record = ledger.state.tasks[task] else { return }
        let worker = fleet.workers[index]
        let incident = incident(for: worker)
        if incident == .silence { return }
        let acceptAt = time + Milliseconds(behaviourRandom.uniform(100, 900))
        let acceptHeight = outbox.height(for: acceptAt, earliest: height + 1)
        outbox.schedule(ScheduledTransaction(sender: worker.address, body: .acceptTask(AcceptTask(task: task, attempt: attempt)),
                                             purpose: .accept(task: task, attempt: attempt)), atHeight: acceptHeight)
        if incident == .timeout { return }
        let limit = Double(record.timeLimitSeconds * 1000)
        let fraction = behaviourRandom.uniform(config.runFractionLow, config.runFractionHigh) * worker.speed
        var run = Milliseconds(min(fraction, 0.99) * limit)
        var result = SubmitResult(task: task, attempt: attempt, exitCode: 0,
                                  outputs: [OutputRef(path: "proof.bin", digest: Self.validProof, size: 4_096)])
        switch incident {
        case .failure:
            run = Milliseconds(Double(run) * behaviourRandom.uniform(0.1, 1.0))
            result = SubmitResult(task: task, attempt: attempt, exitCode: 1, outputs: [], message: "simulated failure")
        case .wrongProof:
            result.outputs = [OutputRef(path: "proof.bin", digest: Self.garbageProof, size: 4_096)]
        default:
            if config.invalidProofs > 0, behaviourRandom.bernoulli(config.invalidProofs) {
                result.outputs = [OutputRef(path: "proof.bin", digest: Self.garbageProof, size: 4_096)]
            }
        }
        result.usage = MeasuredUsage(wallMilliseconds: run, cpuMilliseconds: run * record.resources.cpuMillicores / 1000, peakMemoryBytes: record.resources.memoryBytes / 2)
        let resultHeight = outbox.height(for: acceptAt + max(run, 1), earliest: acceptHeight + 1)
        outbox.schedule(ScheduledTransaction(sender: worker.address, body: .submitResult(result), purpose: .result(task: task, attempt: attempt)),
                        atHeight: resultHeight)
    }

    /// A verifier checks the proof in 1 to 5 s and commits to the truth, unless it is silent this time; a lazy verifier
    /// commits `valid` within 100 ms without checking anything. Both reveal when the ledger asks (`revealRequested`).
    mutating func verifierAssigned(_ index: Int, task: TaskID, attempt: Int, height: UInt64, time: Milliseconds) {
        let worker = fleet.workers[index]
        let mix = config.failures
        let weights = mix.silence + mix.timeout + mix.failure + mix.wrongProof
        let silent = weights > 0 ? mix.rate * worker.failureMultiplier * mix.silence / weights : 0
        if behaviourRandom.bernoulli(silent) { return }
        guard let record = ledger.state.tasks[task], attempt >= 1, attempt <= record.attempts.count else { return }
        let valid = record.attempts[attempt - 1].result?.outputs.first?.digest == Self.validProof
        let verdict: Verdict = worker.lazy || valid ? .valid : .invalid
        let commitAt = time + Milliseconds(worker.lazy ? behaviourRandom.uniform(10, 100) : behaviourRandom.uniform(1_000, 5_000))
        let ballot = Ballot(task: task, attempt: attempt, verdict: verdict,
                            transcript: VoteTranscript(claiming: verdict, checked: record.checkedDigest(attempt: attempt)),
                            salt: SHA256Hex.of("prova-sim/salt/\(worker.address)/\(task)/\(attempt)"))
        guard let commit = try? ballot.commit(by: worker.address) else { return }
        ballots[task, default: [:]]["\(worker.address) \(attempt)"] = ballot
        outbox.schedule(ScheduledTransaction(sender: worker.address, body: .commitVote(commit), purpose: .vote(task: task, attempt: attempt)),
                        atHeight: outbox.height(for: commitAt, earliest: height + 1))
    }
}
