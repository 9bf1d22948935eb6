import ProvaCore

/// Applying one transaction: the nonce, then the rules of its kind. Handlers check before they change
/// anything where they can; the journal undoes the rest when a later check fails.
extension Ledger {
    /// Returns the ID of what the transaction created (program, task or workflow), if anything.
    mutating func execute(_ transaction: VerifiedTransaction, expectedNonce: UInt64?) throws -> String? {
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
        case .submitVote(let body):
            try vote(body, by: sender)
            return nil
        case .createProverSet(let body):
            try createProverSet(body, by: sender)
            return body.name
        case .joinProverSet(let body):
            try joinProverSet(body, by: sender)
            return nil
        }
    }

    // MARK: Credits

    mutating func transfer(_ body: Transfer, from sender: Address) throws {
        guard body.to != sender else { throw LedgerError(.selfTransfer, "cannot transfer to yourself") }
        var from = account(sender)
        guard from.balance >= body.amount else {
            throw LedgerError(.insufficientBalance, "balance is \(Units.formatCredits(from.balance)) credits but the transfer needs \(Units.formatCredits(body.amount)); ask the faucet or transfer less")
        }
        from.balance -= body.amount
        put(from)
        credit(body.to, body.amount)
        emit(.transferred, account: sender, amount: body.amount, detail: body.to)
    }

    mutating func mint(_ body: Mint, by sender: Address) throws {
        guard sender == state.authority else {
            throw LedgerError(.notAuthority, "only the chain authority may mint credits")
        }
        guard body.amount <= Int64.max / 4 - state.totals.minted else {
            throw LedgerError(.mintOverflow, "minting \(body.amount) µcr would overflow the supply")
        }
        credit(body.to, body.amount)
        changeTotals { $0.minted += body.amount }
        emit(.minted, account: body.to, amount: body.amount, detail: body.memo)
    }

    // MARK: Programs

    mutating func deploy(_ body: DeployProgram, by sender: Address) throws -> ProgramID {
        let id = body.programID
        guard state.programs[id] == nil else {
            throw LedgerError(.programExists, "program \(id) is already deployed; use its ID, or change the deploy body to make a new program")
        }
        put(Program(id: id, owner: sender, deploy: body, deployedAtHeight: context.height, strikes: 0, blocked: false, blockedReason: nil,
                    tasksRequested: 0, tasksVerified: 0, tasksFailed: 0))
        emit(.programDeployed, account: sender, program: id, detail: body.name)
        return id
    }

    mutating func blockProgram(_ body: BlockProgram, by sender: Address) throws {
        guard sender == state.authority else { throw LedgerError(.notAuthority, "only the chain authority may block programs") }
        guard var program = state.programs[body.program] else { throw LedgerError(.unknownProgram, "no program \(body.program)") }
        guard !program.blocked else { throw LedgerError(.programBlocked, "program \(body.program) is already blocked") }
        program.blocked = true
        program.blockedReason = body.reason
        put(program)
        emit(.programBlocked, program: body.program, detail: body.reason)
    }

    /// A program that can take new requests, or the error that says why not.
    func usableProgram(_ id: ProgramID) throws -> Program {
        guard let program = state.programs[id] else {
            throw LedgerError(.unknownProgram, "no program \(id); deploy it first or check the ID with `prova program list`")
        }
        guard !program.blocked else {
            throw LedgerError(.programBlocked, "program \(id) is blocked (\(program.blockedReason ?? "blocked")); it takes no new requests")
        }
        return program
    }

    // MARK: Paying fees into escrow

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
