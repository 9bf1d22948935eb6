import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// Every refusal: the transaction is reported with its code and changes nothing (state and digest unchanged).
@Suite("Refusals change nothing", .tags(.unit))
struct RefusalTests {
    @Test("bad signature")
    func badSignature() throws {
        var (chain, _, _) = try chainWithProgram()
        var transaction = chain.sign(.transfer(Transfer(to: otherUser.address, amount: 1)), by: user)
        transaction.signature = AccountKey(deterministicFrom: "mallory").sign(try transaction.unsigned(genesisHash: chain.genesis.hash).signingBytes())
        var ledger = chain.ledger
        #expect(throws: LedgerError.self) { try ledger.check(transaction) }
        let before = chain.state
        let outcome = try chain.block([transaction])
        #expect(outcome.rejected.first?.error.code == .badSignature)
        #expect(chain.state.balance(of: user.address) == before.balance(of: user.address))
        #expect(chain.state.nonce(of: user.address) == before.nonce(of: user.address))
    }

    @Test("wrong chain")
    func wrongChain() throws {
        let (chain, _, _) = try chainWithProgram()
        let transaction = try UnsignedTransaction(chain: ChainIdentity(chainID: "another-chain", genesisHash: chain.genesis.hash), sender: user.publicKeyHex,
                                                  nonce: 1, body: .transfer(Transfer(to: otherUser.address, amount: 1))).signed(by: user)
        var ledger = chain.ledger
        do {
            _ = try ledger.check(transaction)
            Issue.record("accepted a transaction for another chain")
        } catch let error as LedgerError {
            #expect(error.code == .wrongChain)
        }
        #expect(ledger.state == chain.state)
    }

    @Test("a chain that shares the ID but not the genesis refuses the other's transactions (replay across chains)")
    func sameIDOtherGenesis() throws {
        var (chain, _, _) = try chainWithProgram()
        // Another chain with the same ID and the same accounts, started a millisecond later: another genesis hash.
        var other = chain.genesis
        other.timestampMilliseconds += 1
        let transaction = try UnsignedTransaction(chain: other.identity, sender: user.publicKeyHex, nonce: chain.state.nonce(of: user.address),
                                                  body: .transfer(Transfer(to: otherUser.address, amount: 1))).signed(by: user)
        #expect(transaction.chainID == chain.genesis.chainID)
        var ledger = chain.ledger
        do {
            _ = try ledger.check(transaction)
            Issue.record("accepted a transaction signed for another genesis")
        } catch let error as LedgerError {
            #expect(error.code == .badSignature)
        }
        let outcome = try chain.block([transaction])
        #expect(outcome.rejected.first?.error.code == .badSignature)
        #expect(outcome.block.transactions.isEmpty)
    }

    @Test("replayed and skipped nonces")
    func nonces() throws {
        var (chain, _, _) = try chainWithProgram()
        let body = TransactionBody.transfer(Transfer(to: otherUser.address, amount: 1))
        let used = chain.state.nonce(of: user.address) - 1
        try expectRefusal(&chain, body, by: user, code: .nonceReplayed, nonce: used)
        try expectRefusal(&chain, body, by: user, code: .nonceSkipped, nonce: used + 5)
    }

    @Test("insufficient balance for a transfer and for a fee")
    func insufficientBalance() throws {
        var (chain, _, program) = try chainWithProgram()
        let broke = AccountKey(deterministicFrom: "broke")
        try chain.submit(.transfer(Transfer(to: broke.address, amount: 10)), by: user)
        try expectRefusal(&chain, .transfer(Transfer(to: user.address, amount: 11)), by: broke, code: .insufficientBalance)
        try expectRefusal(&chain, proofRequest(program), by: broke, code: .insufficientBalance)
    }

    @Test("unknown and blocked programs")
    func programs() throws {
        var (chain, _, program) = try chainWithProgram()
        try expectRefusal(&chain, proofRequest(SHA256Hex.of("nothing")), by: user, code: .unknownProgram)
        try expectRefusal(&chain, .blockProgram(BlockProgram(program: program, reason: "abuse")), by: user, code: .notAuthority)
        try chain.submit(.blockProgram(BlockProgram(program: program, reason: "abuse")), by: chain.authority)
        try expectRefusal(&chain, proofRequest(program), by: user, code: .programBlocked)
        try expectRefusal(&chain, .deployProgram(Fixtures.program("demo")), by: otherUser, code: .programExists)
    }

    @Test("resources larger than any worker")
    func tooLarge() throws {
        var (chain, _, program) = try chainWithProgram()
        try expectRefusal(&chain, proofRequest(program, cpus: 65), by: user, code: .noWorkerFits)
        try expectRefusal(&chain, proofRequest(program, gpus: 3), by: user, code: .noWorkerFits)
        try expectRefusal(&chain, proofRequest(program, memoryGiB: 381), by: user, code: .noWorkerFits)
    }

    @Test("accept, result and vote from a worker that was not chosen; vote twice; result after the deadline")
    func notChosen() throws {
        var (chain, keys, program) = try chainWithProgram()
        let id = try request(&chain, proofRequest(program, seconds: 10))
        let task = try #require(chain.task(id) as TaskRecord?)
        let proverAddress = try #require(task.attempts.first?.worker)
        let prover = try #require(keys.first { $0.address == proverAddress })
        let stranger = try #require(keys.first { $0.address != proverAddress })
        try expectRefusal(&chain, .acceptTask(AcceptTask(task: id, attempt: 1)), by: stranger, code: .notAssigned)
        try expectRefusal(&chain, .submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [])), by: prover, code: .notRunning)
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        try expectRefusal(&chain, .acceptTask(AcceptTask(task: id, attempt: 1)), by: prover, code: .notAwaitingAcceptance)
        try expectRefusal(&chain, .submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [])), by: stranger, code: .notAssigned)
        let proof = OutputRef(path: "proof.bin", digest: SimulatedWorkers.validProofDigest(id), size: 64)
        try chain.submit(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [proof])), by: prover)
        try chain.block()  // verifiers are drawn in the block after the delivery
        let delivered = try #require(chain.task(id) as TaskRecord?)
        let verifiers = delivered.attempts[0].verifiers.map(\.worker)
        #expect(verifiers.count == 3)
        let outsider = try #require(keys.first { !verifiers.contains($0.address) && $0.address != proverAddress })
        let verifier = try #require(keys.first { $0.address == verifiers[0] })
        let ballot = Ballot.scripted(.valid, on: delivered, attempt: 1, by: verifier.address)
        try expectRefusal(&chain, .commitVote(try ballot.commit(by: verifier.address)), by: outsider, code: .notVerifier)
        try expectRefusal(&chain, .commitVote(try ballot.commit(by: verifier.address)), by: prover, code: .notVerifier)
        // A reveal before the commitment, then before every drawn verifier has committed, is refused.
        try expectRefusal(&chain, .revealVote(ballot.reveal), by: verifier, code: .revealsNotOpen)
        try chain.submit(.commitVote(try ballot.commit(by: verifier.address)), by: verifier)
        try expectRefusal(&chain, .commitVote(try ballot.commit(by: verifier.address)), by: verifier, code: .alreadyVoted)
        try expectRefusal(&chain, .revealVote(ballot.reveal), by: verifier, code: .revealsNotOpen)
    }

    @Test("a result after the running deadline is refused")
    func lateResult() throws {
        var (chain, keys, program) = try chainWithProgram()
        let id = try request(&chain, proofRequest(program, seconds: 5))
        let proverAddress = try #require(chain.task(id)?.attempts.first?.worker)
        let prover = try #require(keys.first { $0.address == proverAddress })
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        let deadline = try #require(chain.task(id)?.attempts.first?.runDeadlineMilliseconds)
        _ = try chain.advance(deadline - chain.now - 500)
        let before = chain.state
        let late = chain.sign(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [])), by: prover)
        // The block carrying the result is stamped 1 ms past the deadline: the result is refused, then the attempt times out.
        let outcome = try chain.block([late], interval: deadline - chain.now + 1)
        #expect(outcome.rejected.first?.error.code == .deadlinePassed)
        #expect(chain.state.nonce(of: prover.address) == before.nonce(of: prover.address))
        #expect(chain.task(id)?.attempts.first?.state == .timedOut)
    }

    @Test("a workflow with a cycle or an unknown step")
    func workflowShape() throws {
        var (chain, _, program) = try chainWithProgram()
        let resources = Resources(cpuMillicores: 1000, memoryBytes: Units.gib)
        let cycle = SubmitWorkflow(name: "loop", steps: [
            WorkflowStep(name: "a", program: program, inputs: [.output(ofStep: "b", path: "proof.bin")], resources: resources, timeLimitSeconds: 10),
            WorkflowStep(name: "b", program: program, inputs: [.output(ofStep: "a", path: "proof.bin")], resources: resources, timeLimitSeconds: 10),
        ])
        try expectRefusal(&chain, .submitWorkflow(cycle), by: user, code: .invalidField)
        let dangling = SubmitWorkflow(name: "dangling", steps: [
            WorkflowStep(name: "a", program: program, inputs: [.output(ofStep: "zzz", path: "proof.bin")], resources: resources, timeLimitSeconds: 10),
        ])
        try expectRefusal(&chain, .submitWorkflow(dangling), by: user, code: .invalidField)
    }

    @Test("only the authority mints; only the requester cancels; unknown tasks")
    func permissions() throws {
        var (chain, _, program) = try chainWithProgram()
        try expectRefusal(&chain, .mint(Mint(to: user.address, amount: 1)), by: user, code: .notAuthority)
        let id = try request(&chain, proofRequest(program))
        try expectRefusal(&chain, .cancelTask(CancelTask(task: id)), by: otherUser, code: .notRequester)
        try expectRefusal(&chain, .cancelTask(CancelTask(task: SHA256Hex.of("none"))), by: user, code: .unknownTask)
        try expectRefusal(&chain, .acceptTask(AcceptTask(task: SHA256Hex.of("none"), attempt: 1)), by: user, code: .unknownTask)
    }

    @Test("a block with a bad header or a bad transaction is refused whole and changes nothing")
    func badBlocks() throws {
        var (chain, _, _) = try chainWithProgram()
        var follower = try Ledger(genesis: chain.genesis)
        for block in chain.blocks { _ = try follower.apply(block) }
        try chain.submit(.transfer(Transfer(to: otherUser.address, amount: 5)), by: user)
        let good = try #require(chain.blocks.last)
        let before = follower.state

        var wrongHeight = good
        wrongHeight.header.height += 1
        var wrongDigest = good
        wrongDigest.header.stateDigest = SHA256Hex.of("forged")
        var wrongTime = good
        wrongTime.header.timestampMilliseconds = before.lastTimestampMilliseconds
        var wrongParent = good
        wrongParent.header.previousHash = SHA256Hex.of("elsewhere")
        var forgedTransaction = good
        forgedTransaction.transactions[0].nonce += 1
        var unsigned = good
        unsigned.signature = ""
        // A header changed by anyone but its proposer no longer carries its proposer's signature; the deeper checks
        // below see headers the proposer itself signed wrongly.
        let signedByOther = wrongDigest.signed(by: otherUser)
        let resigned = [wrongHeight, wrongDigest, wrongTime, wrongParent].map { $0.signed(by: chain.authority) }
        for (block, code) in [(unsigned, ErrorCode.badBlockSignature), (wrongDigest, .badBlockSignature), (signedByOther, .badBlockSignature),
                              (resigned[0], .badHeight), (resigned[1], .stateDigestMismatch), (resigned[2], .badTimestamp),
                              (resigned[3], .badPreviousHash), (forgedTransaction, .badTransaction)] {
            do {
                _ = try follower.apply(block)
                Issue.record("accepted a bad block (\(code))")
            } catch let error as LedgerError {
                #expect(error.code == code)
            }
            #expect(follower.state == before)
        }
        _ = try follower.apply(good)
        #expect(follower.state == chain.state)
    }
}

/// `expectRefusal` with an explicit nonce.
func expectRefusal(_ chain: inout TestChain, _ body: TransactionBody, by key: AccountKey, code: ErrorCode, nonce: UInt64,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    var ledger = chain.ledger
    let before = ledger.state
    let transaction = chain.sign(body, by: key, nonce: nonce)
    do {
        _ = try ledger.check(transaction)
        Issue.record("check accepted a transaction that should fail with \(code)", sourceLocation: sourceLocation)
    } catch let error as LedgerError {
        #expect(error.code == code, sourceLocation: sourceLocation)
    }
    #expect(ledger.state == before, sourceLocation: sourceLocation)
    var empty = chain
    _ = try empty.block([])
    let outcome = try chain.block([transaction])
    #expect(outcome.rejected.first?.error.code == code, sourceLocation: sourceLocation)
    #expect(chain.state == empty.state, sourceLocation: sourceLocation)
}
