import ProvaCore

/// Workflows (DESIGN §7): a DAG of steps; a step starts when its parents are verified; a failure cancels the rest.
extension Ledger {
    mutating func submitWorkflow(_ body: SubmitWorkflow, by sender: Address, transaction: TransactionHash) throws -> WorkflowID {
        try checkProverSet(body.proverSet)
        var fees: [MicroCredits] = []
        for step in body.steps {
            do {
                _ = try usableProgram(step.program)
                try ensureSomeWorkerFits(step.resources, proverSet: body.proverSet)
            } catch let error as LedgerError {
                throw LedgerError(error.code, "step '\(step.name)': \(error.message)")
            }
            fees.append(try priced { try Pricing.quote(step.resources, seconds: step.timeLimitSeconds, redundancy: step.redundancy,
                                                        prices: state.parameters.prices).total })
        }
        // Each fee is at most the supply bound; their sum is checked against it too (1,024 steps of the largest fee would not fit).
        var total: MicroCredits = 0
        for fee in fees {
            guard fee <= Limits.maxSupply - total else {
                throw LedgerError(.feeOverflow, "the workflow's fees add up to more than the whole supply of credits; ask for less")
            }
            total += fee
        }
        let id = IDs.workflow(fromTransaction: transaction)
        try escrowFee(total, from: sender, task: nil, workflow: id)
        let steps = zip(body.steps, fees).map { WorkflowStepState(name: $0.name, task: nil, fee: $1, state: nil) }
        put(Workflow(id: id, requester: sender, definition: body, state: .running, steps: steps, escrow: total,
                     submittedAtMilliseconds: context.now, completedAtMilliseconds: nil, failure: nil))
        let open = state.openWorkflows
        record { $0.openWorkflows = open }
        // Kept sorted by ID so the order is the same whether the state was built block by block or restored.
        state.openWorkflows.insert(id, at: open.firstIndex { $0 > id } ?? open.count)
        emit(.workflowSubmitted, account: sender, workflow: id, amount: total, detail: "\(body.name): \(body.steps.count) steps")
        return id
    }

    /// Looks only at workflows whose step tasks changed (the work index), in ID order as every validator does.
    mutating func advanceWorkflows() {
        let touched = work.workflows.sorted()
        work.workflows = []
        for id in touched {
            guard var workflow = state.workflows[id], workflow.state == .running else { continue }
            var changed = false
            var failure: String?
            for (index, step) in workflow.definition.steps.enumerated() {
                if let taskID = workflow.steps[index].task {
                    let taskState = state.tasks[taskID]?.state
                    if workflow.steps[index].state != taskState {
                        workflow.steps[index].state = taskState
                        changed = true
                    }
                    if let taskState, taskState.isTerminal, !taskState.isAccepted {
                        failure = "step '\(step.name)' \(taskState.rawValue): \(state.tasks[taskID]?.failure ?? "")"
                        break
                    }
                    continue
                }
                let parents = workflow.definition.parents(of: step)
                let parentTasks = parents.compactMap { name in workflow.steps.first { $0.name == name }?.task }.compactMap { state.tasks[$0] }
                guard parentTasks.count == parents.count, parentTasks.allSatisfy({ $0.state.isAccepted }) else { continue }
                do {
                    let task = try releaseStep(step, of: workflow, parents: parentTasks, fee: workflow.steps[index].fee)
                    workflow.escrow -= workflow.steps[index].fee
                    workflow.steps[index].task = task.id
                    workflow.steps[index].state = task.state
                    changed = true
                } catch let error as LedgerError {
                    failure = "step '\(step.name)' could not start: \(error.message)"
                    break
                } catch {
                    failure = "step '\(step.name)' could not start"
                    break
                }
            }
            if changed { put(workflow) }
            if let failure {
                endWorkflow(id, state: .failed, reason: failure)
            } else if workflow.steps.allSatisfy({ $0.state?.isAccepted == true }) {
                workflow.state = .completed
                workflow.completedAtMilliseconds = context.now
                put(workflow)
                removeOpenWorkflow(id)
                emit(.workflowCompleted, account: workflow.requester, workflow: id)
            }
        }
    }

    /// Creates the task of a step whose parents are verified, resolving `{step, path}` inputs to their outputs.
    mutating func releaseStep(_ step: WorkflowStep, of workflow: Workflow, parents: [TaskRecord], fee: MicroCredits) throws -> TaskRecord {
        _ = try usableProgram(step.program)
        var inputs: [InputRef] = []
        for input in step.inputs {
            if let parentName = input.step {
                guard let parent = parents.first(where: { $0.step == parentName }), let verified = parent.verifiedAttempt,
                      let output = parent.attempts[verified - 1].result?.outputs.first(where: { $0.path == input.path }) else {
                    throw LedgerError(.missingOutput, "step '\(parentName)' produced no output '\(input.path)'")
                }
                inputs.append(InputRef(path: "\(parentName)/\(input.path)", digest: output.digest, size: output.size))
            } else if let digest = input.digest, let size = input.size {
                inputs.append(InputRef(path: input.path, digest: digest, size: size, url: input.url))
            }
        }
        let id = IDs.workflowStep(workflow.id, step: step.name)
        let task = newTask(id: id, kind: .proof, requester: workflow.requester, program: step.program, inputs: inputs, resources: step.resources,
                           timeLimitSeconds: step.timeLimitSeconds, environment: step.environment, redundancy: step.redundancy,
                           verifiers: step.verifiers, proverSet: workflow.definition.proverSet, feePerSlot: fee / step.redundancy,
                           workflow: workflow.id, step: step.name)
        insert(task)
        if var program = state.programs[step.program] {
            program.tasksRequested += 1
            put(program)
        }
        emit(.workflowStepReleased, task: id, account: workflow.requester, workflow: workflow.id, detail: step.name)
        return task
    }

    /// Stops a workflow: cancels its running steps (refunding what they did not spend) and refunds unreleased steps.
    mutating func endWorkflow(_ id: WorkflowID, state next: WorkflowState, reason: String) {
        guard var workflow = state.workflows[id] else { return }
        for step in workflow.steps {
            guard let taskID = step.task, var task = state.tasks[taskID], !task.state.isTerminal else { continue }
            cancelOpenSlots(&task, reason: "workflow \(next.rawValue): \(reason)")
            put(task)
        }
        if workflow.escrow > 0 {
            credit(workflow.requester, workflow.escrow)
            emit(.refunded, account: workflow.requester, workflow: id, amount: workflow.escrow, detail: "steps not started")
            workflow.escrow = 0
        }
        for index in workflow.steps.indices {
            if let taskID = workflow.steps[index].task { workflow.steps[index].state = state.tasks[taskID]?.state }
        }
        workflow.state = next
        workflow.failure = reason
        workflow.completedAtMilliseconds = context.now
        put(workflow)
        removeOpenWorkflow(id)
        emit(.workflowFailed, account: workflow.requester, workflow: id, detail: reason)
    }

    mutating func removeOpenWorkflow(_ id: WorkflowID) {
        let open = state.openWorkflows
        record { $0.openWorkflows = open }
        state.openWorkflows.removeAll { $0 == id }
    }
}
