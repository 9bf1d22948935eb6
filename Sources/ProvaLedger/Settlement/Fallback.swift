import ProvaCore

/// A failed attempt: a fallback to a new worker, or, when every attempt failed, the fee burned.
extension Ledger {
    /// A prover attempt ended without a valid proof: fall back to a new worker, or, when every attempt failed,
    /// burn the fee and strike the program (nobody is slashed: the program is probably at fault).
    mutating func attemptDidFail(_ task: inout TaskRecord, attempt number: Int, reason: String) {
        let index = task.attempts[number - 1].slot
        task.slots[index].failedAttempts += 1
        task.slots[index].currentAttempt = nil
        if task.kind == .capacityTest {
            failCapacityTest(&task, slot: index, reason: reason)
            return
        }
        let attempts = task.slots[index].failedAttempts
        if attempts < state.parameters.maxAttempts {
            markWaiting(&task, slot: index)
            changeTotals { $0.fallbacks += 1 }
            emit(.fallback, task: task.id, attempt: number, account: task.requester, detail: "attempt \(number) failed (\(reason)); drawing a new prover")
        } else if task.attempts[number - 1].state == .inconclusive {
            // Nobody was shown to be at fault (the verifiers split or too few could be had): the requester gets the fee back.
            task.slots[index].state = .failed
            task.failure = "all \(attempts) attempts failed; last: \(reason)"
            refundSlot(&task, slot: index, reason: reason)
        } else {
            task.slots[index].state = .failed
            let fee = task.slots[index].fee
            task.escrow -= fee
            task.burned += fee
            changeTotals { $0.burned += fee }
            emit(.burned, task: task.id, account: task.requester, amount: fee, detail: "all \(attempts) attempts failed")
            if task.failure == nil { strikeProgram(task.program, task: task.id, reason: reason) }
            task.failure = "all \(attempts) attempts failed; last: \(reason)"
        }
        updateTaskState(&task)
    }
}
