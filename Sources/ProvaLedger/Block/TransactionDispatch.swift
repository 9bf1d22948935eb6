import ProvaCore

/// Applying one transaction: the nonce, then the rules of its kind. Handlers check before they change anything where
/// they can; the journal undoes the rest when a later check fails.
extension Ledger {
    /// Checks and advances the sender's nonce (`expectedNonce` overrides the account's, for a mempool that holds
    /// earlier transactions of the sender).
    private mutating func advanceNonce(_ transaction: VerifiedTransaction, expectedNonce: UInt64?) throws {
        let sender = transaction.senderAddress
        var account = account(sender)
        let expected = expectedNonce ?? account.nonce
        guard transaction.nonce == expected else {
            if transaction.nonce < expected {
                throw LedgerError(.nonceReplayed, "nonce \(transaction.nonce) was already used by \(sender); the next nonce is \(expected)")
            }
            throw LedgerError(.nonceSkipped, "nonce \(transaction.nonce) skips ahead; \(sender)'s next nonce is \(expected). Submit the missing transactions first")
        }
        account.nonce = transaction.nonce + 1
        put(account)
    }

    /// Returns the ID of what the transaction created (program, task or workflow), if anything, and the fee it paid.
    mutating func execute(_ transaction: VerifiedTransaction, expectedNonce: UInt64?) throws -> (created: String?, fee: MicroCredits) {
        try advanceNonce(transaction, expectedNonce: expectedNonce)
        let fee = try payTransactionFee(transaction)
        return (try dispatch(transaction), fee)
    }

    /// The rules of the transaction's kind.
    private mutating func dispatch(_ transaction: VerifiedTransaction) throws -> String? {
        let sender = transaction.senderAddress

        switch transaction.body {
        case .transfer(let body):
            try transfer(body, from: sender)
            return nil
        case .mint(let body):
            try mint(body, by: sender)
            return nil
        case .deployProgram(let body):
            return try deploy(body, by: sender)
        case .blockProgram(let body):
            try blockProgram(body, by: sender)
            return nil
        case .retireProgram(let body):
            try retireProgram(body, by: sender)
            return nil
        case .retireProverSet(let body):
            try retireProverSet(body, by: sender)
            return nil
        case .requestProof(let body):
            return try requestProof(body, by: sender, transaction: transaction.hash)
        case .requestVerification(let body):
            return try requestVerification(body, by: sender, transaction: transaction.hash)
        case .submitWorkflow(let body):
            return try submitWorkflow(body, by: sender, transaction: transaction.hash)
        case .cancelTask(let body):
            try cancel(body, by: sender)
            return nil
        case .registerWorker(let body):
            try registerWorker(body, by: sender)
            return sender
        case .announceExit:
            try announceExit(by: sender)
            return nil
        case .acceptTask(let body):
            try accept(body, by: sender)
            return nil
        case .declineTask(let body):
            try decline(body, by: sender)
            return nil
        case .submitResult(let body):
            try submitResult(body, by: sender)
            return nil
        case .commitVote(let body):
            try commitVote(body, by: sender)
            return nil
        case .revealVote(let body):
            try revealVote(body, by: sender)
            return nil
        case .createProverSet(let body):
            try createProverSet(body, by: sender)
            return body.name
        case .joinProverSet(let body):
            try joinProverSet(body, by: sender)
            return nil
        }
    }
}
