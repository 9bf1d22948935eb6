import ProvaCore

/// Paying fees into escrow, from the free tier first (DESIGN §6).
extension Ledger {
    /// Takes `amount` from the sender: first from the free-tier allowance of the current period (minted on use), then from the balance.
    mutating func escrowFee(_ amount: MicroCredits, from sender: Address, task: TaskID?, workflow: WorkflowID?) throws {
        var account = account(sender)
        let parameters = state.parameters
        if account.freeTierPeriodStartMilliseconds + parameters.freeTierPeriodMilliseconds <= context.now {
            account.freeTierPeriodStartMilliseconds = context.now
            account.freeTierUsed = 0
        }
        let free = min(max(parameters.freeTierAllowance - account.freeTierUsed, 0), amount)
        let fromBalance = amount - free
        guard account.balance >= fromBalance else {
            throw LedgerError(.insufficientBalance, "the fee is \(Units.formatCredits(amount)) credits but the balance is \(Units.formatCredits(account.balance))\(free > 0 ? " (plus \(Units.formatCredits(free)) of free tier)" : ""); top up or ask for fewer resources")
        }
        account.balance -= fromBalance
        account.freeTierUsed += free
        put(account)
        if free > 0 {
            changeTotals { $0.minted += free }
            emit(.freeTierGranted, task: task, account: sender, workflow: workflow, amount: free)
        }
        emit(.escrowed, task: task, account: sender, workflow: workflow, amount: amount)
    }
}
