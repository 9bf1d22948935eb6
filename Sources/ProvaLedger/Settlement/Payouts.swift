import ProvaCore

/// Paying a verified slot's fee and refunding unspent ones (DESIGN §6).
extension Ledger {
    /// Pays a slot's fee: prover 85 %, every verifier on the majority side 10 % (equal shares), treasury the rest. After a fallback,
    /// slashes the provers whose attempts failed and refunds the requester from the treasury they funded.
    mutating func settleVerified(_ task: inout TaskRecord, slot index: Int, attempt: Attempt, majority: [Address]) {
        let parameters = state.parameters
        let fee = task.slots[index].fee
        task.escrow -= fee
        var paidOut: MicroCredits = 0
        var verifierPool = Pricing.share(fee, basisPoints: parameters.verifierShareBasisPoints)
        if let prover = attempt.worker {
            let proverPay = Pricing.share(fee, basisPoints: parameters.proverShareBasisPoints)
            pay(prover, proverPay, task: task.id, attempt: attempt.number, detail: "prover")
            paidOut += proverPay
        } else {
            // Verify-only: there is no prover; verifiers earn the prover's share too.
            verifierPool = fee - Pricing.share(fee, basisPoints: parameters.treasuryShareBasisPoints)
        }
        if !majority.isEmpty {
            let each = verifierPool / Int64(majority.count)
            for verifier in majority {
                pay(verifier, each, task: task.id, attempt: attempt.number, detail: "verifier")
                paidOut += each
            }
        }
        task.paid += paidOut
        changeTotals { $0.treasury += fee - paidOut }
        // The subsidy follows the fee (a tiny request earns a tiny subsidy) and is never paid to a prover that is its own
        // requester: requests to oneself would otherwise mint credits out of the treasury.
        if let prover = attempt.worker, prover != task.requester, parameters.proverSubsidyBasisPoints > 0 {
            let subsidy = min(Pricing.share(fee, basisPoints: parameters.proverSubsidyBasisPoints), state.totals.treasury)
            if subsidy > 0 {
                changeTotals { $0.treasury -= subsidy }
                pay(prover, subsidy, task: task.id, attempt: attempt.number, detail: "network subsidy")
            }
        }
        if task.slots[index].failedAttempts > 0, fee > 0 {
            for earlier in task.attempts where earlier.slot == index && (earlier.state == .failed || earlier.state == .timedOut) {
                if let worker = earlier.worker {
                    slash(worker, Pricing.share(fee, basisPoints: parameters.slashBasisPoints), task: task.id, attempt: earlier.number,
                          reason: "attempt \(earlier.state == .timedOut ? "timed out" : "failed") and the fallback succeeded")
                }
            }
            let refund = min(Pricing.share(fee, basisPoints: parameters.fallbackRefundBasisPoints), state.totals.treasury)
            if refund > 0 {
                changeTotals { $0.treasury -= refund }
                credit(task.requester, refund)
                task.refunded += refund
                emit(.refunded, task: task.id, account: task.requester, amount: refund, detail: "fallback succeeded")
            }
        }
    }

    /// Returns a slot's whole fee to the requester (no prover could be found, or verification was inconclusive).
    mutating func refundSlot(_ task: inout TaskRecord, slot index: Int, reason: String) {
        let fee = task.slots[index].fee
        task.escrow -= fee
        guard fee > 0 else { return }
        credit(task.requester, fee)
        task.refunded += fee
        emit(.refunded, task: task.id, account: task.requester, amount: fee, detail: reason)
    }

    mutating func pay(_ address: Address, _ amount: MicroCredits, task: TaskID, attempt: Int?, detail: String) {
        guard amount > 0 else { return }
        credit(address, amount)
        if var worker = state.workers[address] {
            worker.earned = worker.earned.saturatingAdd(amount)
            put(worker)
        }
        emit(.paid, task: task, attempt: attempt, worker: state.workers[address] == nil ? nil : address, account: address, amount: amount, detail: detail)
    }
}
