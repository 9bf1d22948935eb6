import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// Writes are never free (docs/PROTOCOL.md "Transaction fees"): every transaction but a worker's duty pays a fee by
/// size into the treasury; deploys and prover sets hold a deposit until they are retired.
@Suite("Transaction fees and deposits", .tags(.unit))
struct TransactionFeeTests {
    @Test("a transfer pays the base fee plus the size part into the treasury")
    func transferPaysItsFee() throws {
        var (chain, _, _) = try chainWithProgram()
        let before = chain.state
        let transaction = chain.sign(.transfer(Transfer(to: otherUser.address, amount: 10)), by: user)
        let size = try chain.ledger.verify(transaction).size
        let fee = chain.parameters.transactionFee(.Transfer, size: size)
        #expect(fee == chain.parameters.transactionBaseFee + chain.parameters.transactionFeePerKiB)
        _ = try chain.block([transaction])
        #expect(chain.state.balance(of: user.address) == before.balance(of: user.address) - 10 - fee)
        #expect(chain.state.totals.treasury == before.totals.treasury + fee)
        #expect(chain.outcomes.last?.transactions.first?.fee == fee)
        expectConserved(chain.state)
    }

    @Test("a key with no balance can deploy nothing, create no prover set, send nothing: refused on entry, no state grows")
    func freshKeysCannotWrite() throws {
        var (chain, _, program) = try chainWithProgram()
        let stranger = AccountKey(deterministicFrom: "flooder")
        try expectRefusal(&chain, .deployProgram(Fixtures.program("spam")), by: stranger, code: .insufficientBalance)
        try expectRefusal(&chain, .createProverSet(CreateProverSet(name: "spam", labels: ["x": "y"])), by: stranger, code: .insufficientBalance)
        try expectRefusal(&chain, .transfer(Transfer(to: user.address, amount: 1)), by: stranger, code: .insufficientBalance)
        try expectRefusal(&chain, proofRequest(program), by: stranger, code: .insufficientBalance)
        #expect(chain.state.accounts[stranger.address] == nil, "a refused sender leaves no account behind")
    }

    @Test("worker duties are free: a worker with no balance accepts, delivers and votes, and can announce its exit")
    func dutiesAreFree() throws {
        var (chain, keys, program) = try chainWithProgram()
        // Every worker gives its whole balance away, paying the fee of that transfer.
        let sink = AccountKey(deterministicFrom: "sink")
        _ = try chain.block(keys.map { key in
            let size = (try? chain.ledger.verify(chain.sign(.transfer(Transfer(to: sink.address, amount: 1)), by: key, nonce: 0)))?.size ?? 0
            let fee = chain.parameters.transactionFee(.Transfer, size: size)
            return chain.sign(.transfer(Transfer(to: sink.address, amount: chain.state.balance(of: key.address) - fee)), by: key)
        })
        #expect(keys.allSatisfy { chain.state.balance(of: $0.address) == 0 })
        var workers = SimulatedWorkers(keys: keys)
        let id = try request(&chain, proofRequest(program))
        try chain.run(&workers) { $0.tasks[id]?.state == .verified }
        #expect(chain.task(id)?.state == .verified)
        let exit = chain.sign(.announceExit(AnnounceExit()), by: keys[0])
        let outcome = try chain.block([exit])
        #expect(outcome.rejected.isEmpty)
        #expect(chain.state.workers[keys[0].address]?.status == .exiting)
        expectConserved(chain.state)
    }

    @Test("a deploy holds a deposit that its owner gets back on retiring; a retired program takes no new request")
    func programDeposit() throws {
        var (chain, _, program) = try chainWithProgram()
        let deposit = chain.parameters.programDeposit
        #expect(chain.state.programs[program]?.deposit == deposit)
        #expect(chain.state.supply().deposits >= deposit)
        try expectRefusal(&chain, .retireProgram(RetireProgram(program: program)), by: otherUser, code: .notOwner)
        let open = try request(&chain, proofRequest(program))
        let before = chain.state.balance(of: user.address)
        let outcome = try chain.submit(.retireProgram(RetireProgram(program: program)), by: user)
        let fee = outcome.transactions.first?.fee ?? 0
        #expect(chain.state.balance(of: user.address) == before + deposit - fee)
        #expect(chain.state.programs[program]?.retired == true)
        #expect(chain.state.programs[program]?.deposit == 0)
        try expectRefusal(&chain, proofRequest(program), by: user, code: .programRetired)
        try expectRefusal(&chain, .retireProgram(RetireProgram(program: program)), by: user, code: .alreadyRetired)
        #expect(chain.task(open)?.state.isTerminal == false, "a task requested before the retirement still runs")
        expectConserved(chain.state)
    }

    @Test("a prover set holds a deposit until its owner retires it; a retired set cannot be named by new requests")
    func proverSetDeposit() throws {
        var (chain, keys, program) = try chainWithProgram()
        _ = try chain.submit(.createProverSet(CreateProverSet(name: "mine", members: keys.map(\.address))), by: user)
        #expect(chain.state.proverSets["mine"]?.deposit == chain.parameters.proverSetDeposit)
        _ = try chain.block(keys.map { chain.sign(.joinProverSet(JoinProverSet(name: "mine")), by: $0) })
        try expectRefusal(&chain, .retireProverSet(RetireProverSet(name: "mine")), by: otherUser, code: .notOwner)
        _ = try chain.submit(.retireProverSet(RetireProverSet(name: "mine")), by: user)
        #expect(chain.state.proverSets["mine"]?.retired == true)
        try expectRefusal(&chain, proofRequest(program, proverSet: "mine"), by: user, code: .proverSetRetired)
        expectConserved(chain.state)
    }
}
