import ProvaCore

/// CancelTask: stopping what has not delivered and refunding what was not spent.
extension Ledger {
    mutating func cancel(_ body: CancelTask, by sender: Address) throws {
        if let workflowID = body.workflow {
            guard let workflow = state.workflows[workflowID] else { throw LedgerError(.unknownWorkflow, "no workflow \(workflowID)") }
            guard workflow.requester == sender else { throw LedgerError(.notRequester, "only the requester of workflow \(workflowID) may cancel it") }
            guard workflow.state == .running else { throw LedgerError(.alreadyFinished, "workflow \(workflowID) is already \(workflow.state.rawValue)") }
            endWorkflow(workflowID, state: .cancelled, reason: "cancelled by the requester")
            return
        }
        guard let taskID = body.task, var task = state.tasks[taskID] else {
            throw LedgerError(.unknownTask, "no task \(body.task ?? ""); check the ID with `prova task list`")
        }
        guard task.requester == sender else { throw LedgerError(.notRequester, "only the requester of task \(taskID) may cancel it") }
        guard !task.state.isTerminal else { throw LedgerError(.alreadyFinished, "task \(taskID) is already \(task.state.rawValue); nothing to cancel") }
        guard task.kind == .proof else { throw LedgerError(.notCancellable, "only proof tasks can be cancelled") }
        let cancelled = cancelOpenSlots(&task, reason: "cancelled by the requester")
        guard cancelled > 0 else {
            throw LedgerError(.notCancellable, "every slot of task \(taskID) has already delivered its proof; the fee is spent")
        }
        put(task)
    }

    /// Stops every slot that has not delivered: unassigned slots are refunded in full; running ones pay the prover
    /// for the time it ran and refund the rest. Returns how many slots were stopped.
    @discardableResult
    mutating func cancelOpenSlots(_ task: inout TaskRecord, reason: String) -> Int {
        var count = 0
        for index in task.slots.indices where [.waiting, .assigned, .running].contains(task.slots[index].state) {
            let fee = task.slots[index].fee
            var refund = fee
            if let number = task.slots[index].currentAttempt {
                var attempt = task.attempts[number - 1]
                if attempt.state == .running, let worker = attempt.worker, let started = attempt.acceptedAtMilliseconds {
                    let limit = max(task.timeLimitSeconds * 1000, 1)
                    let elapsed = min(max(context.now - started, 0), limit)
                    let spent = Int64((Int128(fee) * Int128(elapsed) + Int128(limit) - 1) / Int128(limit))
                    let proverPay = Pricing.share(spent, basisPoints: state.parameters.proverShareBasisPoints + state.parameters.verifierShareBasisPoints)
                    pay(worker, proverPay, task: task.id, attempt: number, detail: "prover, cancelled after \(elapsed) ms")
                    task.paid += proverPay
                    changeTotals { $0.treasury += spent - proverPay }
                    refund = fee - spent
                }
                if let worker = attempt.worker, attempt.state.isOpen { release(worker, task.resources) }
                attempt.state = .cancelled
                attempt.failure = reason
                task.attempts[number - 1] = attempt
            }
            task.escrow -= fee
            if refund > 0 {
                credit(task.requester, refund)
                task.refunded += refund
                emit(.refunded, task: task.id, account: task.requester, amount: refund, detail: reason)
            }
            task.slots[index].state = .cancelled
            task.slots[index].currentAttempt = nil
            count += 1
        }
        if count > 0 {
            updateTaskState(&task)
            if task.state == .cancelled {
                emit(.taskCancelled, task: task.id, account: task.requester, detail: reason)
            }
        }
        return count
    }
}
