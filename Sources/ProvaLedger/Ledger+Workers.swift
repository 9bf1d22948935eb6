import ProvaCore

/// RegisterWorker, AnnounceExit and prover sets; capacity reservations; strikes and jail.
extension Ledger {
    mutating func registerWorker(_ body: RegisterWorker, by sender: Address) throws {
        let parameters = state.parameters
        var account = account(sender)
        guard account.balance >= body.stake else {
            throw LedgerError(.insufficientBalance, "staking \(Units.formatCredits(body.stake)) credits needs that much balance; the balance is \(Units.formatCredits(account.balance))")
        }
        var worker: Worker
        if let existing = state.workers[sender], existing.status != .exited {
            guard existing.reserved == .zero, existing.capacityTest == nil else {
                throw LedgerError(.workerBusy, "worker \(sender) has work in flight; finish it (or AnnounceExit and wait) before re-registering")
            }
            guard existing.status != .exiting else {
                throw LedgerError(.workerExiting, "worker \(sender) announced its exit; wait for the stake to return, then register again")
            }
            worker = existing
            worker.stake += body.stake
        } else {
            worker = Worker(address: sender, capacity: body.capacity, diskBytes: body.diskBytes, labels: body.labels, stake: body.stake,
                            endpoint: body.endpoint, status: .probation, reserved: .zero, strikes: 0, jailedUntilMilliseconds: nil,
                            exitAtMilliseconds: nil, registeredAtMilliseconds: context.now, capacityTest: nil, proverSets: [],
                            earned: state.workers[sender]?.earned ?? 0, slashed: state.workers[sender]?.slashed ?? 0,
                            tasksProved: state.workers[sender]?.tasksProved ?? 0, votesCast: state.workers[sender]?.votesCast ?? 0,
                            assignments: state.workers[sender]?.assignments ?? 0)
        }
        guard worker.stake >= parameters.minWorkerStake else {
            throw LedgerError(.stakeTooLow, "a worker must stake at least \(Units.formatCredits(parameters.minWorkerStake)) credits; it would have \(Units.formatCredits(worker.stake))")
        }
        account.balance -= body.stake
        put(account)
        worker.capacity = body.capacity
        worker.diskBytes = body.diskBytes
        worker.labels = body.labels
        worker.endpoint = body.endpoint
        // Self-reported hardware is never trusted on its own: a capacity test decides.
        worker.status = .probation
        worker.strikes = 0
        worker.jailedUntilMilliseconds = nil
        put(worker)
        emit(.workerRegistered, worker: sender, account: sender, amount: body.stake, detail: body.capacity.summary)
        startCapacityTest(for: sender)
    }

    mutating func announceExit(by sender: Address) throws {
        guard var worker = state.workers[sender], worker.status != .exited else {
            throw LedgerError(.unknownWorker, "\(sender) is not a registered worker")
        }
        guard worker.status != .exiting else { throw LedgerError(.workerExiting, "worker \(sender) already announced its exit") }
        worker.status = .exiting
        worker.exitAtMilliseconds = context.now + state.parameters.exitDelayMilliseconds
        put(worker)
        emit(.workerExitAnnounced, worker: sender, deadline: worker.exitAtMilliseconds)
    }

    mutating func createProverSet(_ body: CreateProverSet, by sender: Address) throws {
        guard state.proverSets[body.name] == nil else {
            throw LedgerError(.proverSetExists, "prover set '\(body.name)' already exists; pick another name")
        }
        put(ProverSet(name: body.name, owner: sender, members: Array(Set(body.members)).sorted(), labels: body.labels, joined: []))
        emit(.proverSetCreated, account: sender, detail: body.name)
    }

    mutating func joinProverSet(_ body: JoinProverSet, by sender: Address) throws {
        guard var set = state.proverSets[body.name] else { throw LedgerError(.unknownProverSet, "no prover set '\(body.name)'") }
        guard var worker = state.workers[sender], worker.status != .exited else {
            throw LedgerError(.unknownWorker, "only registered workers join prover sets; register first")
        }
        guard !set.joined.contains(sender) else { throw LedgerError(.alreadyJoined, "worker \(sender) already joined '\(body.name)'") }
        set.joined.append(sender)
        set.joined.sort()
        guard set.admits(worker) else {
            throw LedgerError(.notAdmitted, "worker \(sender) is not listed in '\(body.name)' and its labels do not match \(set.labels)")
        }
        put(set)
        worker.proverSets.append(body.name)
        worker.proverSets.sort()
        put(worker)
        emit(.proverSetJoined, worker: sender, detail: body.name)
    }

    // MARK: Capacity, strikes, jail

    /// Reservations change in place (no copy of the worker record): they are the hottest write of a block.
    /// Reserves capacity on a worker (one lookup: the record is changed in place through its index, on a hot path).
    mutating func reserve(_ address: Address, _ resources: Resources) {
        guard let index = state.workers.index(forKey: address) else { return }
        let old = state.workers.values[index].reserved
        if journal != nil { record { $0.workers[address]?.reserved = old; $0.workers[address]?.assignments -= 1 } }
        state.workers.values[index].reserved = old + resources
        state.workers.values[index].assignments += 1
        changes.workers.insert(address)
    }

    mutating func release(_ address: Address, _ resources: Resources) {
        guard let index = state.workers.index(forKey: address) else { return }
        let old = state.workers.values[index].reserved
        if journal != nil { record { $0.workers[address]?.reserved = old } }
        state.workers.values[index].reserved = old - resources
        changes.workers.insert(address)
    }

    mutating func strike(_ address: Address, reason: String, task: TaskID?) {
        guard var worker = state.workers[address] else { return }
        worker.strikes += 1
        emit(.workerStrike, task: task, worker: address, detail: reason)
        put(worker)
        if worker.strikes >= state.parameters.workerStrikeLimit {
            jail(address, reason: "\(worker.strikes) strikes (last: \(reason))", until: context.now + state.parameters.jailMilliseconds)
        }
    }

    /// Removes a worker from selection. With `until`, it may earn its way back by passing a capacity test after that time;
    /// without, it must re-register (its stake fell below the minimum).
    mutating func jail(_ address: Address, reason: String, until: Milliseconds?) {
        guard var worker = state.workers[address], worker.status == .active || worker.status == .probation || worker.status == .jailed else { return }
        worker.status = .jailed
        worker.jailedUntilMilliseconds = until
        put(worker)
        emit(.workerJailed, worker: address, deadline: until, detail: reason)
    }

    /// Takes up to `amount` from a worker's stake into the treasury; returns what was taken.
    @discardableResult
    mutating func slash(_ address: Address, _ amount: MicroCredits, task: TaskID, attempt: Int, reason: String) -> MicroCredits {
        guard var worker = state.workers[address], amount > 0 else { return 0 }
        let taken = min(amount, worker.stake)
        guard taken > 0 else { return 0 }
        worker.stake -= taken
        worker.slashed += taken
        put(worker)
        changeTotals { $0.treasury += taken }
        emit(.slashed, task: task, attempt: attempt, worker: address, amount: taken, detail: reason)
        if worker.stake < state.parameters.minWorkerStake {
            jail(address, reason: "stake \(Units.formatCredits(worker.stake)) is below the minimum; register again with more stake", until: nil)
        }
        return taken
    }

    mutating func pay(_ address: Address, _ amount: MicroCredits, task: TaskID, attempt: Int?, detail: String) {
        guard amount > 0 else { return }
        credit(address, amount)
        if var worker = state.workers[address] {
            worker.earned += amount
            put(worker)
        }
        emit(.paid, task: task, attempt: attempt, worker: state.workers[address] == nil ? nil : address, account: address, amount: amount, detail: detail)
    }
}
