import ProvaCore

/// Transaction fees and deposits (DESIGN §6, docs/PROTOCOL.md "Transaction fees"): every transaction that is not a
/// worker's duty pays a small fee by size into the treasury, so writes are never free; deploys and prover sets also
/// hold a deposit until they are retired. An account with no balance can send nothing but the duties assigned to it.
extension Ledger {
    /// Takes the fee into the treasury; returns it (recorded in the transaction's outcome).
    mutating func payTransactionFee(_ transaction: VerifiedTransaction) throws -> MicroCredits {
        let fee = state.parameters.transactionFee(transaction.body.kind, size: transaction.size)
        guard fee > 0 else { return 0 }
        var account = account(transaction.senderAddress)
        guard account.balance >= fee else {
            throw LedgerError(.insufficientBalance, "a \(transaction.body.kind.rawValue) of \(transaction.size) bytes pays a fee of \(Units.formatCredits(fee)) credits but the balance is \(Units.formatCredits(account.balance)); get credits first (worker duties are free)")
        }
        account.balance -= fee
        put(account)
        changeTotals { $0.treasury += fee }
        return fee
    }

    /// Moves `amount` from the sender's balance into a deposit the caller records (a program's or a prover set's).
    mutating func holdDeposit(_ amount: MicroCredits, from sender: Address, for what: String) throws {
        guard amount > 0 else { return }
        var account = account(sender)
        guard account.balance >= amount else {
            throw LedgerError(.insufficientBalance, "\(what) takes a deposit of \(Units.formatCredits(amount)) credits (returned when it is retired) but the balance is \(Units.formatCredits(account.balance)); get credits first")
        }
        account.balance -= amount
        put(account)
        emit(.depositHeld, account: sender, amount: amount, detail: what)
    }
}
