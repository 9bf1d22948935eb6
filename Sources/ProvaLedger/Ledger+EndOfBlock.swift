import ProvaCore

/// The work done after a block's transactions (DESIGN §4–§7), in a fixed order:
/// deadlines, worker releases and capacity tests, workflows, verifier draws, prover assignments.
extension Ledger {
    mutating func runEndOfBlock() {
        if state.selectableIsStale { rebuildSelectable() }
        if work.isStale { rebuildWorkIndex() }
        expireDeadlines()
        releaseWorkers()
        scheduleIdleTests()
        advanceWorkflows()
        if state.selectableIsStale { rebuildSelectable() }
        // Finishing work beats starting work: verifiers are drawn before new provers take the capacity.
        drawVerifiersForDeliveredAttempts()
        assignProvers()
    }

    // MARK: Deadlines

    mutating func expireDeadlines() {
        let now = context.now
        let parameters = state.parameters
        for (_, id) in work.takeDue(before: now) {
            guard var task = state.tasks[id] else { continue }
            var changed = false
            for index in task.attempts.indices {
                let attempt = task.attempts[index]
                switch attempt.state {
                case .assigned where now > attempt.acceptDeadlineMilliseconds:
                    changed = true
                    missAcceptance(&task, attempt: attempt.number)
                case .running where now > (attempt.runDeadlineMilliseconds ?? .max):
                    changed = true
                    task.attempts[index].state = .timedOut
                    task.attempts[index].failure = "no result by the deadline (time limit \(Units.formatDuration(task.timeLimitSeconds)) plus upload grace)"
                    if let worker = attempt.worker { release(worker, task.resources) }
                    emit(.attemptTimedOut, task: task.id, attempt: attempt.number, worker: attempt.worker, detail: task.attempts[index].failure)
                    attemptDidFail(&task, attempt: attempt.number, reason: "timed out")
                case .delivered:
                    for dutyIndex in attempt.verifiers.indices {
                        let duty = attempt.verifiers[dutyIndex]
                        guard duty.state == .pending, now > duty.deadlineMilliseconds else { continue }
                        changed = true
                        task.attempts[index].verifiers[dutyIndex].state = .missed
                        release(duty.worker, verifierResources(task))
                        emit(.verifierMissed, task: task.id, attempt: attempt.number, worker: duty.worker)
                        strike(duty.worker, reason: "missed the vote window", task: task.id)
                    }
                default:
                    break
                }
            }
            for index in task.slots.indices where task.slots[index].state == .waiting
                && now - task.slots[index].waitingSinceMilliseconds > parameters.maxPendingMilliseconds {
                changed = true
                let reason = "no eligible prover had room for \(parameters.maxPendingMilliseconds / 1000) s"
                if task.kind == .capacityTest {
                    failCapacityTest(&task, slot: index, reason: reason)
                } else {
                    task.slots[index].state = .expired
                    task.failure = reason
                    refundSlot(&task, slot: index, reason: reason)
                    updateTaskState(&task)
                }
            }
            if changed {
                put(task)
            } else if let deadline = nextDeadline(of: task) {
                work.schedule(id, sequence: task.sequence, at: deadline)
            }
        }
    }

    /// The assigned worker did not accept in the window: strike it and draw again at once.
    mutating func missAcceptance(_ task: inout TaskRecord, attempt number: Int) {
        let attempt = task.attempts[number - 1]
        task.attempts[number - 1].state = .missedAcceptance
        task.attempts[number - 1].failure = "not accepted within the acceptance window"
        emit(.acceptanceMissed, task: task.id, attempt: number, worker: attempt.worker)
        if let worker = attempt.worker {
            release(worker, task.resources)
            strike(worker, reason: "missed the acceptance window", task: task.id)
        }
        if task.kind == .capacityTest {
            failCapacityTest(&task, slot: attempt.slot, reason: "did not accept its capacity test")
            return
        }
        task.slots[attempt.slot].state = .waiting
        task.slots[attempt.slot].currentAttempt = nil
        task.slots[attempt.slot].waitingSinceMilliseconds = context.now
        updateTaskState(&task)
    }

    // MARK: Workers

    /// Jailed workers whose time is served get a new capacity test; exiting idle workers get their stake back.
    mutating func releaseWorkers() {
        for address in state.jailedOrExiting {
            guard var worker = state.workers[address] else { continue }
            if worker.status == .jailed, let until = worker.jailedUntilMilliseconds, context.now >= until,
               worker.capacityTest == nil, worker.reserved == .zero {
                startCapacityTest(for: address)
            } else if worker.status == .exiting, context.now >= (worker.exitAtMilliseconds ?? .max), worker.reserved == .zero, worker.capacityTest == nil {
                let stake = worker.stake
                worker.stake = 0
                worker.status = .exited
                put(worker)
                credit(address, stake)
                emit(.stakeReturned, worker: address, account: address, amount: stake)
            }
        }
    }

    /// Idle active workers receive random capacity tests: hardware that was there at registration must still be there.
    mutating func scheduleIdleTests() {
        let rate = state.parameters.idleTestPartsPerMillion
        guard rate > 0 else { return }
        var rng = SeededGenerator(seed: "\(context.previousHash)|idle-tests|\(context.height)")
        for address in state.selectable where rng.chance(partsPerMillion: rate) {
            guard let worker = state.workers[address], worker.reserved == .zero, worker.capacityTest == nil else { continue }
            startCapacityTest(for: address)
        }
    }

    /// A test workload sized to the worker's declared capacity, from the genesis-named benchmark program.
    mutating func startCapacityTest(for address: Address) {
        guard var worker = state.workers[address], worker.capacityTest == nil,
              let program = state.programs[state.capacityTestProgram] else { return }
        let id = IDs.capacityTest(worker: address, height: context.height)
        guard state.tasks[id] == nil else { return }
        let capacity = worker.capacity
        let environment = ["PROVA_TEST_CPU_MILLICORES=\(capacity.cpuMillicores)", "PROVA_TEST_MEMORY_BYTES=\(capacity.memoryBytes)",
                           "PROVA_TEST_GPUS=\(capacity.gpus)"]
        let task = newTask(id: id, kind: .capacityTest, requester: state.authority, program: program.id, inputs: [], resources: capacity,
                           timeLimitSeconds: state.parameters.capacityTestTimeLimitSeconds, environment: environment, redundancy: 1,
                           verifiers: 3, proverSet: nil, feePerSlot: 0, targetWorker: address)
        insert(task)
        worker.capacityTest = id
        put(worker)
        emit(.capacityTestAssigned, task: id, worker: address, program: program.id, detail: capacity.summary)
    }

    // MARK: Verifiers and provers

    mutating func drawVerifiersForDeliveredAttempts() {
        let parameters = state.parameters
        for (sequence, id) in WorkIndex.inOrder(work.verifying) {
            // Dropped here; `put` adds it back if the task still needs this pass next block.
            work.verifying.drop(sequence, id)
            guard var task = state.tasks[id], task.slots.contains(where: { $0.state == .verifying }) else { continue }
            var changed = false
            for index in task.attempts.indices where task.attempts[index].state == .delivered {
                let number = index + 1
                if task.attempts[index].verifiers.isEmpty {
                    task.attempts[index].verifiersNeeded = min(Int(task.verifierCount), possibleVerifiers(for: task))
                    changed = true
                }
                let needed = task.attempts[index].verifiersNeeded
                let missing = task.attempts[index].verifiersMissing(replacements: parameters.maxVerifierReplacements)
                var short = false
                if missing > 0 {
                    let chosen = drawVerifiers(for: &task, attempt: number, count: missing)
                    changed = true
                    short = chosen.count < missing
                    let deadline = context.now + verifierTimeLimit(task) * 1000 + parameters.voteGraceMilliseconds
                    for worker in chosen {
                        task.attempts[index].verifiers.append(VerifierDuty(worker: worker, drawnAtMilliseconds: context.now, deadlineMilliseconds: deadline, state: .pending, vote: nil))
                        reserve(worker, verifierResources(task))
                        emit(.verifierAssigned, task: task.id, attempt: number, worker: worker, deadline: deadline)
                    }
                }
                let after = task.attempts[index]
                if needed == 0 {
                    changed = true
                    if task.kind == .verification {
                        decide(&task, attempt: number, verdict: .error, detail: "no worker could verify it")
                    } else {
                        decide(&task, attempt: number, verdict: .valid, detail: "accepted unverified: no eligible verifier")
                    }
                } else if after.verifiersExhausted(replacements: parameters.maxVerifierReplacements) || (short && after.pendingVerifiers == 0) {
                    // Every drawn verifier has voted or gone, and no more can be had: decide with the votes in hand.
                    changed = true
                    tally(&task, attempt: number, allowInconclusive: true)
                }
            }
            if changed { put(task) }
        }
    }

    func verifierTimeLimit(_ task: TaskRecord) -> Seconds {
        state.programs[task.program]?.deploy.verifierTimeLimitSeconds ?? task.timeLimitSeconds
    }

    mutating func assignProvers() {
        let parameters = state.parameters
        /// Shapes for which no active worker had room in this pass; capacity only shrinks during the pass.
        var noRoom: [Resources] = []
        var room: RoomIndex?
        for (sequence, id) in WorkIndex.inOrder(work.waiting) {
            guard var task = state.tasks[id], task.slots.contains(where: { $0.state == .waiting }) else {
                work.waiting.drop(sequence, id)
                continue
            }
            let unconstrained = task.proverSet == nil && task.targetWorker == nil && selectionPolicy == nil
            if unconstrained, noRoom.contains(where: { $0.fits(in: task.resources) }) { continue }
            if unconstrained && room == nil { room = RoomIndex(state: state) }
            var changed = false
            for index in task.slots.indices where task.slots[index].state == .waiting {
                let triedNobody = task.provers.isEmpty
                let drawn: Address?
                if unconstrained, var index = room {
                    drawn = drawProver(for: &task, from: &index)
                    room = index
                } else {
                    drawn = drawProver(for: &task)
                    // A reservation made outside the index makes it stale: rebuild it when next needed.
                    if drawn != nil { room = nil }
                }
                guard let worker = drawn else {
                    if unconstrained && triedNobody { noRoom.append(task.resources) }
                    break
                }
                changed = true
                let number = task.attempts.count + 1
                let deadline = context.now + parameters.acceptWindowMilliseconds
                task.attempts.append(Attempt(number: number, slot: index, worker: worker, state: .assigned, assignedAtMilliseconds: context.now,
                                             acceptDeadlineMilliseconds: deadline, acceptedAtMilliseconds: nil, runDeadlineMilliseconds: nil,
                                             result: nil, deliveredAtMilliseconds: nil, verifiers: [], verifiersNeeded: Int(task.verifierCount),
                                             verifierReplacements: 0, decidedAtMilliseconds: nil, failure: nil))
                if !task.provers.contains(worker) { task.provers.append(worker) }
                task.slots[index].state = .assigned
                task.slots[index].currentAttempt = number
                reserve(worker, task.resources)
                emit(.taskAssigned, task: task.id, attempt: number, worker: worker, account: task.requester, program: task.program, deadline: deadline)
            }
            if changed {
                updateTaskState(&task)
                put(task)
            }
            if !task.slots.contains(where: { $0.state == .waiting }) { work.waiting.drop(sequence, id) }
        }
    }
}
