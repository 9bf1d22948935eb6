import ProvaCore

/// RegisterWorker and AnnounceExit, and the release of jailed and exiting workers.
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
}
