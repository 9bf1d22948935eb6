import ProvaCore

/// Every change to the state goes through these, so it can be undone while a journal is open.
extension Ledger {
    mutating func put(_ account: Account) {
        let key = account.address
        if journal != nil {
            let old = state.accounts[key]
            record { $0.accounts[key] = old }
        }
        state.accounts[key] = account
        changes.accounts.insert(key)
    }

    mutating func put(_ task: TaskRecord) {
        let key = task.id
        if journal != nil {
            let old = state.tasks[key]
            record { $0.tasks[key] = old }
        }
        state.tasks[key] = task
        changes.tasks.insert(key)
        noteWork(task)
    }

    mutating func put(_ worker: Worker) {
        let key = worker.address
        let old = state.workers[key]
        if journal != nil { record { $0.workers[key] = old } }
        if old?.status != worker.status || old?.capacity != worker.capacity || old?.proverSets != worker.proverSets {
            state.selectableIsStale = true
        }
        state.workers[key] = worker
        changes.workers.insert(key)
    }

    mutating func put(_ program: Program) {
        let key = program.id
        if journal != nil {
            let old = state.programs[key]
            record { $0.programs[key] = old }
        }
        state.programs[key] = program
        changes.programs.insert(key)
    }

    mutating func put(_ set: ProverSet) {
        let key = set.name
        if journal != nil {
            let old = state.proverSets[key]
            record { $0.proverSets[key] = old }
        }
        state.proverSets[key] = set
        changes.proverSets.insert(key)
    }

    mutating func put(_ workflow: Workflow) {
        let key = workflow.id
        if journal != nil {
            let old = state.workflows[key]
            record { $0.workflows[key] = old }
        }
        state.workflows[key] = workflow
        changes.workflows.insert(key)
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

    /// Rebuilds the list of drawable workers and the capacity frontier after statuses changed.
    mutating func rebuildSelectable() {
        let active = state.workers.values.filter { $0.status == .active }
        let sorted = active.sorted { $0.address < $1.address }
        state.selectable = sorted.map(\.address)
        state.selectableWithGPUs = sorted.indices.filter { sorted[$0].capacity.gpus > 0 }
        state.selectableWithoutGPUs = sorted.indices.filter { sorted[$0].capacity.gpus == 0 }
        var frontier: [Resources] = []
        for capacity in Set(active.map(\.capacity)) where !active.contains(where: { $0.capacity != capacity && capacity.fits(in: $0.capacity) }) {
            frontier.append(capacity)
        }
        state.capacityFrontier = frontier
        state.fitCounts = [:]
        state.jailedOrExiting = state.workers.values.filter { $0.status == .jailed || $0.status == .exiting }.map(\.address).sorted()
        state.selectableIsStale = false
    }
}
