import ProvaCore

/// RequestProof and RequestVerification: creating tasks and escrowing their fees.
extension Ledger {
    mutating func requestProof(_ body: RequestProof, by sender: Address, transaction: TransactionHash) throws -> TaskID {
        var program = try usableProgram(body.program)
        try checkProverSet(body.proverSet)
        try ensureSomeWorkerFits(body.resources, proverSet: body.proverSet)
        let quote = try priced { try Pricing.quote(body.resources, seconds: body.timeLimitSeconds, redundancy: body.redundancy, prices: state.parameters.prices) }
        if let maxFee = body.maxFee, quote.total > maxFee {
            throw LedgerError(.feeAboveMaximum, "the fee is \(quote.total) µcr but maxFee is \(maxFee) µcr; raise maxFee or ask for less")
        }
        let id = IDs.task(fromTransaction: transaction)
        try escrowFee(quote.total, from: sender, task: id, workflow: nil)
        let task = newTask(id: id, kind: .proof, requester: sender, program: program.id, inputs: body.inputs, resources: body.resources,
                           timeLimitSeconds: body.timeLimitSeconds, environment: body.environment, redundancy: body.redundancy,
                           verifiers: body.verifiers, proverSet: body.proverSet, feePerSlot: quote.perSlot)
        insert(task)
        program.tasksRequested += 1
        put(program)
        emit(.taskSubmitted, task: id, account: sender, program: program.id, amount: quote.total,
             detail: "\(body.resources.summary), \(Units.formatDuration(body.timeLimitSeconds)), redundancy \(body.redundancy)")
        return id
    }

    /// Verify-only: the verifier machinery on a proof produced elsewhere. Fee = verifier resources × time × verifiers.
    mutating func requestVerification(_ body: RequestVerification, by sender: Address, transaction: TransactionHash) throws -> TaskID {
        var program = try usableProgram(body.program)
        try checkProverSet(body.proverSet)
        let deploy = program.deploy
        try ensureSomeWorkerFits(deploy.verifierResources, proverSet: body.proverSet)
        let fee = try priced { try Pricing.quote(deploy.verifierResources, seconds: deploy.verifierTimeLimitSeconds, redundancy: body.verifiers,
                                                 prices: state.parameters.prices).total }
        let id = IDs.task(fromTransaction: transaction)
        try escrowFee(fee, from: sender, task: id, workflow: nil)
        var task = newTask(id: id, kind: .verification, requester: sender, program: program.id, inputs: body.inputs,
                           resources: deploy.verifierResources, timeLimitSeconds: deploy.verifierTimeLimitSeconds, environment: [],
                           redundancy: 1, verifiers: body.verifiers, proverSet: body.proverSet, feePerSlot: fee)
        task.proof = body.proof
        let proofOutputs = body.proof.map { OutputRef(path: $0.path, digest: $0.digest, size: $0.size) }
        task.attempts = [Attempt(number: 1, slot: 0, worker: nil, state: .delivered, assignedAtMilliseconds: context.now,
                                 acceptDeadlineMilliseconds: context.now, acceptedAtMilliseconds: context.now, runDeadlineMilliseconds: nil,
                                 result: SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: proofOutputs), deliveredAtMilliseconds: context.now,
                                 verifierDrawCauseHeight: context.height, verifiers: [], verifiersNeeded: Int(body.verifiers), verifierReplacements: 0, decidedAtMilliseconds: nil, failure: nil)]
        task.slots[0].state = .verifying
        task.slots[0].currentAttempt = 1
        task.state = .delivered
        task.deliveredAtMilliseconds = context.now
        insert(task)
        program.tasksRequested += 1
        put(program)
        emit(.taskSubmitted, task: id, account: sender, program: program.id, amount: fee, detail: "verify-only, \(body.verifiers) verifiers")
        return id
    }

    /// Refuses a request no worker could ever run ("resources larger than any worker").
    mutating func ensureSomeWorkerFits(_ resources: Resources, proverSet: String?) throws {
        if state.candidatesAreStale { rebuildCandidates() }
        let fits: Bool
        if let name = proverSet, let set = state.proverSets[name] {
            fits = set.joined.contains { address in
                guard let worker = state.workers[address], worker.status == .active else { return false }
                return set.admits(worker) && resources.fits(in: worker.capacity)
            }
        } else {
            fits = state.capacityFrontier.contains { resources.fits(in: $0) }
        }
        guard fits else {
            let largest = state.capacityFrontier.map(\.summary).joined(separator: "; ")
            throw LedgerError(.noWorkerFits, "no active worker\(proverSet.map { " in prover set '\($0)'" } ?? "") has \(resources.summary); the largest have \(largest.isEmpty ? "nothing (no active workers)" : largest). Ask for less")
        }
    }

    func newTask(id: TaskID, kind: TaskKind, requester: Address, program: ProgramID, inputs: [InputRef], resources: Resources,
                 timeLimitSeconds: Seconds, environment: [String], redundancy: Int64, verifiers: Int64, proverSet: String?,
                 feePerSlot: MicroCredits, workflow: WorkflowID? = nil, step: String? = nil, targetWorker: Address? = nil) -> TaskRecord {
        let slots = (0..<Int(redundancy)).map {
            Slot(index: $0, state: .waiting, fee: feePerSlot, failedAttempts: 0, waitingSinceMilliseconds: context.now,
                 waitingSinceHeight: context.height, currentAttempt: nil)
        }
        return TaskRecord(id: id, kind: kind, requester: requester, program: program, inputs: inputs, proof: [], resources: resources,
                    timeLimitSeconds: timeLimitSeconds, environment: environment, redundancy: redundancy, verifierCount: verifiers,
                    proverSet: proverSet, workflow: workflow, step: step, targetWorker: targetWorker, feePerSlot: feePerSlot,
                    escrow: feePerSlot * redundancy, state: .pending, submittedAtMilliseconds: context.now, submittedAtHeight: context.height,
                    deliveredAtMilliseconds: nil, completedAtMilliseconds: nil, slots: slots, attempts: [], provers: [], paid: 0, refunded: 0,
                    burned: 0, failure: nil, verifiedAttempt: nil, draws: 0)
    }

    mutating func insert(_ task: TaskRecord) {
        var task = task
        task.sequence = state.totals.tasksSubmitted
        put(task)
        changeTotals { $0.tasksSubmitted += 1 }
    }

    /// A price from `Pricing`, its overflow refused as the ledger's error.
    func priced<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ProvaCoreError { throw LedgerError(error) }
    }
}
