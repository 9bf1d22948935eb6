import ProvaCore

/// Every change to the state goes through these, so it can be undone while a journal is open and the state digest
/// and the store see exactly which records a block changed.
extension Ledger {
    mutating func put(_ account: Account) {
        let key = account.address
        if journal != nil {
            let old = state.accounts[key]
            record { $0.accounts[key] = old }
        }
        state.accounts[key] = account
        if state.changes.accounts.insert(key), journal != nil { record { $0.changes.accounts.removeInserted(key) } }
    }

    mutating func put(_ task: TaskRecord) {
        let key = task.id
        if journal != nil {
            let old = state.tasks[key]
            record { $0.tasks[key] = old }
        }
        state.tasks[key] = task
        if state.changes.tasks.insert(key), journal != nil { record { $0.changes.tasks.removeInserted(key) } }
        noteWork(task)
    }

    mutating func put(_ worker: Worker) {
        let key = worker.address
        let old = state.workers[key]
        if journal != nil { record { $0.restore(worker: old, at: key) } }
        if old?.status != worker.status || old?.capacity != worker.capacity || old?.proverSets != worker.proverSets {
            state.candidatesAreStale = true
        }
        state.workers[key] = worker
        state.candidates.setFree(key, worker.free)
        if state.changes.workers.insert(key), journal != nil { record { $0.changes.workers.removeInserted(key) } }
    }

    mutating func put(_ program: Program) {
        let key = program.id
        if journal != nil {
            let old = state.programs[key]
            record { $0.programs[key] = old }
        }
        state.programs[key] = program
        if state.changes.programs.insert(key), journal != nil { record { $0.changes.programs.removeInserted(key) } }
    }

    mutating func put(_ set: ProverSet) {
        let key = set.name
        if journal != nil {
            let old = state.proverSets[key]
            record { $0.proverSets[key] = old }
        }
        state.proverSets[key] = set
        if state.changes.proverSets.insert(key), journal != nil { record { $0.changes.proverSets.removeInserted(key) } }
    }

    mutating func put(_ workflow: Workflow) {
        let key = workflow.id
        if journal != nil {
            let old = state.workflows[key]
            record { $0.workflows[key] = old }
        }
        state.workflows[key] = workflow
        if state.changes.workflows.insert(key), journal != nil { record { $0.changes.workflows.removeInserted(key) } }
        if workflow.state == .running { work.workflows.insert(key) }
    }

    mutating func changeTotals(_ change: (inout LedgerState.Totals) -> Void) {
        if journal != nil {
            let old = state.totals
            record { $0.totals = old }
        }
        change(&state.totals)
    }

    func account(_ address: Address) -> Account {
        state.accounts[address] ?? Account(address: address)
    }

    mutating func credit(_ address: Address, _ amount: MicroCredits) {
        guard amount != 0 else { return }
        var account = account(address)
        account.balance += amount
        put(account)
    }

    mutating func emit(_ kind: LedgerEvent.Kind, task: TaskID? = nil, attempt: Int? = nil, worker: Address? = nil, account: Address? = nil,
                       program: ProgramID? = nil, workflow: WorkflowID? = nil, amount: MicroCredits? = nil,
                       deadline: Milliseconds? = nil, detail: String? = nil) {
        events.append(LedgerEvent(kind, height: context.height, task: task, attempt: attempt, worker: worker, account: account, program: program,
                                  workflow: workflow, amount: amount, deadlineMilliseconds: deadline, detail: detail))
    }
}

extension LedgerState {
    /// Puts a worker record back as it was (an undo), keeping the candidate index's free capacity in step.
    mutating func restore(worker: Worker?, at address: Address) {
        workers[address] = worker
        if let worker { candidates.setFree(address, worker.free) }
    }
}
