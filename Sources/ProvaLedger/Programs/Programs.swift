import ProvaCore

/// DeployProgram (with its refundable deposit), RetireProgram, BlockProgram, and the strikes that block a program that
/// fails on every attempt.
extension Ledger {
    mutating func deploy(_ body: DeployProgram, by sender: Address) throws -> ProgramID {
        let id = body.programID
        guard state.programs[id] == nil else {
            throw LedgerError(.programExists, "program \(id) is already deployed; use its ID, or change the deploy body to make a new program")
        }
        let deposit = state.parameters.programDeposit
        try holdDeposit(deposit, from: sender, for: "program \(body.name)")
        put(Program(id: id, owner: sender, deploy: body, deployedAtHeight: context.height, strikes: 0, blocked: false, blockedReason: nil,
                    tasksRequested: 0, tasksVerified: 0, tasksFailed: 0, deposit: deposit))
        emit(.programDeployed, account: sender, program: id, amount: deposit, detail: body.name)
        return id
    }

    /// The owner retires a program: it takes no new requests (tasks already requested run to the end), and its deposit
    /// comes back.
    mutating func retireProgram(_ body: RetireProgram, by sender: Address) throws {
        guard var program = state.programs[body.program] else { throw LedgerError(.unknownProgram, "no program \(body.program)") }
        guard program.owner == sender else {
            throw LedgerError(.notOwner, "only the owner of program \(body.program) (\(program.owner)) may retire it")
        }
        guard !program.retired else { throw LedgerError(.alreadyRetired, "program \(body.program) is already retired") }
        let deposit = program.deposit
        program.retired = true
        program.deposit = 0
        put(program)
        credit(sender, deposit)
        emit(.programRetired, account: sender, program: body.program, amount: deposit, detail: program.deploy.name)
        if deposit > 0 { emit(.depositReturned, account: sender, program: body.program, amount: deposit) }
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
        guard !program.retired else {
            throw LedgerError(.programRetired, "program \(id) was retired by its owner; it takes no new requests")
        }
        return program
    }

    mutating func strikeProgram(_ id: ProgramID, task: TaskID, reason: String) {
        guard var program = state.programs[id], id != state.capacityTestProgram else { return }
        program.strikes += 1
        emit(.programStrike, task: task, program: id, detail: reason)
        if program.strikes >= state.parameters.programStrikeLimit, !program.blocked {
            program.blocked = true
            program.blockedReason = "failed on every attempt \(program.strikes) times (last: \(reason))"
            emit(.programBlocked, program: id, detail: program.blockedReason)
        }
        put(program)
    }
}
