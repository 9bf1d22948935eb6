@testable import ProvaCore
@testable import ProvaLedger
import ProvaTesting
import Testing

/// Golden vectors for everything consensus hashes or signs. A change to any of these values is a change of protocol:
/// every validator and every client must agree on it, so it is made on purpose (and the vector updated), never by accident.
@Suite("Golden vectors", .tags(.unit))
struct GoldenVectorTests {
    /// A genesis built from fixed values only: the default parameters, deterministic keys, the test capacity program.
    static let genesis: Genesis = {
        let authority = AccountKey(deterministicFrom: "authority")
        return Genesis(chainID: "prova-golden", timestampMilliseconds: 1_700_000_000_000,
                       validators: [Genesis.Validator(key: authority, url: "http://127.0.0.1:8545")], authority: authority.address,
                       accounts: (["user"] + (0..<4).map { "worker-\($0)" }).map {
                           Genesis.FundedAccount(address: AccountKey(deterministicFrom: $0).address, balance: 1_000_000_000)
                       },
                       workers: (0..<4).map { index in
                           Genesis.InitialWorker(address: AccountKey(deterministicFrom: "worker-\(index)").address, capacity: Fixtures.gpuNode,
                                                 diskBytes: 1 << 40, labels: ["zone": "a"], stake: ChainParameters.genesisDefaults.minWorkerStake)
                       },
                       capacityTestProgram: Fixtures.capacityTestProgram)
    }()

    @Test("the genesis hash of fixed values, with the default parameters")
    func genesisHash() {
        #expect(Self.genesis.hash == "826520afec5d63b5e99ddc46d32366f76c80efcb268946cc397496a8e0ba523e")
    }

    @Test("the genesis beacon, and block 1's beacon and proof by the genesis validator (ECVRF-EDWARDS25519-SHA512-TAI)")
    func beacons() throws {
        // SHA-512("prova/beacon/v1" ‖ 0x00 ‖ genesis hash bytes).
        #expect(Self.genesis.beacon == "bae7928f23a92236f9267fd6b423bad3e8dd852de19d8acec1c425f91f3cd5c5bf3557fdec067eb1239e4a841b95aaf9194f5a07e9b429fd4dd43a321e8758de")
        var ledger = try Ledger(genesis: Self.genesis)
        let block = try ledger.propose([], timestampMilliseconds: Self.genesis.timestampMilliseconds + 100,
                                       proposer: AccountKey(deterministicFrom: "authority")).block
        #expect(block.header.beacon == "91bd62d501d6a4baaec6542e17ac3c32f8792ee17b8c13d01654081b085bfee0537bbc8b55a527fbc06957503b5bde7acd4051db71dd5639b7a6d5a801693794")
        #expect(block.header.beaconProof == "b4992bf98e4913b2b809b5f3d3c7d969a341536d586b5655c25bc0defeb65336085c44896451ca74ae4f9f6810675e5d9fad85c6f46940eb418dfc925068982849ac449ae2844dc07abdb92ba66daf09")
    }

    @Test("the Merkle root of a block's transactions (RFC 9162 tree)")
    func transactionsRoot() {
        let hashes = ["a", "b", "c", "d", "e"].map { SHA256Hex.of($0) }
        #expect(MerkleTree.root(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleTree.root(of: Array(hashes.prefix(1))) == "a23bd5b06da9048238a65b3f1d9d0b9e15fae3dde262688e6489aa4c763d1820")
        #expect(MerkleTree.root(of: Array(hashes.prefix(3))) == "cac3d448d4e20a2ad5eae1f500e63c2a7f9217cd14572ba7fd22e26dc1ec2648")
        #expect(MerkleTree.root(of: hashes) == "4dc1abc938a0141a3c7cd1fed88948c35c4452e7e8aff9b1503eb5100a2c77b3")
    }

    @Test("the proposer order drawn from a parent beacon, and a block signature")
    func proposerOrderAndSignature() {
        let validators = (0..<3).map { AccountKey(deterministicFrom: "validator-\($0)").publicKeyHex }
        // SHA-512("beacon").
        let beacon = "7fa3e45c3414a8e1aba885d7d390536a04b2358911f9129dbf58ebe87f283f80074e14f70494d3349b0431d7a7d9d09963e639a76893ec1182bd13a134bc37a1"
        #expect(ProposerOrder.order(of: validators, parentBeacon: beacon, height: 7) == [validators[2], validators[1], validators[0]])
        // Ed25519 over "prova/block/v1" ‖ 0x00 ‖ SHA-256("header").
        #expect(AccountKey(deterministicFrom: "authority").sign(Block.signingBytes(headerHash: SHA256Hex.of("header")))
                == "65d7cc40edd0d685e5d693c7c7b4d300d0f8b6cc0b0863164e605a71eb7bad2d69adc24f2b0d1e175221595192756897193d847d1a799af4e03c82689019b004")
    }

    @Test("a program ID is the hash of the canonical deploy body")
    func programID() {
        #expect(Fixtures.program("demo").programID == "f5668c2ae43490a0a9223ad7e2454ce5fdc0ce1f99bc3558469d8802844ab00c")
    }

    @Test("a vote commitment and the digest of the proof files it checked")
    func voteCommitment() throws {
        let checked = VoteTranscript.checkedDigest(of: [("proof.json", SHA256Hex.of("proof")), ("vk.key", SHA256Hex.of("vk"))])
        #expect(checked == "6b76f149ea111ca46927de6b8780dfe4faac01eee4906ae9a128ff0162e1c20a")
        let transcript = VoteTranscript(exitCode: 1, stdoutDigest: SHA256Hex.of("stdout"), checked: checked)
        let commitment = VoteCommitment.make(verdict: .invalid, salt: SHA256Hex.of("salt"), verifier: AccountKey(deterministicFrom: "worker-0").address,
                                             task: SHA256Hex.of("task"), attempt: 2, transcript: transcript)
        #expect(commitment == "72c2caccee3f563cad1a0b3e9fa2e16c2e4c3a00d18b907d8e0c8fdc9b5c8c15")
        // Any other salt, verifier, attempt or transcript gives another commitment; a salt that is not 32 bytes gives none.
        #expect(VoteCommitment.make(verdict: .invalid, salt: SHA256Hex.of("salt"), verifier: AccountKey(deterministicFrom: "worker-1").address,
                                    task: SHA256Hex.of("task"), attempt: 2, transcript: transcript) != commitment)
        #expect(VoteCommitment.make(verdict: .invalid, salt: SHA256Hex.of("salt"), verifier: AccountKey(deterministicFrom: "worker-0").address,
                                    task: SHA256Hex.of("task"), attempt: 3, transcript: transcript) != commitment)
        #expect(VoteCommitment.make(verdict: .invalid, salt: "00", verifier: AccountKey(deterministicFrom: "worker-0").address,
                                    task: SHA256Hex.of("task"), attempt: 2, transcript: transcript) == nil)
    }

    @Test("a signed transfer: its signing bytes, signature and hash")
    func signedTransaction() throws {
        let key = AccountKey(deterministicFrom: "user")
        let unsigned = UnsignedTransaction(chain: Self.genesis.identity, sender: key.publicKeyHex, nonce: 7,
                                           body: .transfer(Transfer(to: AccountKey(deterministicFrom: "worker-0").address, amount: 1_234_567)))
        // "prova/tx/v2" 0x00, then the canonical JSON of {body, chainID, genesis, nonce, sender}: sorted keys, no spaces.
        let bytes = try unsigned.signingBytes()
        #expect(Array(bytes.prefix(12)) == Array("prova/tx/v2".utf8) + [0])
        #expect(String(decoding: bytes.dropFirst(12), as: UTF8.self) == #"{"body":{"amount":1234567,"to":"26e03f4aae439413b033ce325224c512c369b9ee","type":"Transfer"},"#
            + #""chainID":"prova-golden","genesis":"826520afec5d63b5e99ddc46d32366f76c80efcb268946cc397496a8e0ba523e","nonce":7,"#
            + #""sender":"1c1aeb3c580f97bc0b42d822b8f9948e5eba086653b92a9e485d2cf27094d42e"}"#)
        let signed = try unsigned.signed(by: key)
        #expect(signed.signature == "af5a5cc65ff212d33a91d570b0a09f70215ead7e5431932c0f2f2dd4f8c78bd492b351ea73eb55350a40cb269408c6e6002ee43a2d3786a7c9a07855809e4104")
        let hash = try signed.verified(chain: Self.genesis.identity).hash
        #expect(hash == "b5bf280a09fee073db8fbee0d6c0eb346c89e76da4cfb93e5e7c627bb89ce8e1")
    }

    @Test("the state digest after a fixed 20-block history: requests, a prover set, a workflow, votes, payments")
    func stateDigestAfterTwentyBlocks() throws {
        let (chain, digests) = try Self.fixedHistory()
        #expect(chain.state.height == 20)
        #expect(chain.state.tasks.values.filter { $0.kind == .proof && $0.state == .verified }.count == 3, "the request and both workflow steps are verified")
        #expect(chain.state.workflows.values.first?.state == .completed)
        #expect(chain.state.proverSets["zone-a"]?.joined.count == 2)
        #expect(chain.state.stateDigest == "9d5f8fe1b88f265b1eb100f57f9a1bd6a272b8feeb70626564d89a9654d86d35")
        // Replaying the same blocks gives the same digest at every height.
        var replica = try Ledger(genesis: Self.genesis)
        for (block, digest) in zip(chain.blocks, digests) {
            _ = try replica.apply(block)
            #expect(replica.state.stateDigest == digest)
        }
    }

    /// Twenty blocks from the golden genesis: a deploy, a prover set and its members, two proof requests and a workflow,
    /// answered by honest simulated workers.
    static func fixedHistory() throws -> (TestChain, [String]) {
        let authority = AccountKey(deterministicFrom: "authority")
        let user = AccountKey(deterministicFrom: "user")
        let workerKeys = (0..<4).map { AccountKey(deterministicFrom: "worker-\($0)") }
        var chain = try TestChain(genesis: genesis, authority: authority)
        var workers = SimulatedWorkers(keys: workerKeys)
        var digests: [String] = []
        let program = Fixtures.program("demo").programID
        let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                   resources: Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib), timeLimitSeconds: 60)
        let segment = WorkflowStep(name: "segment", program: program, inputs: [.file(Fixtures.input("input.json"))],
                                   resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 30)
        let aggregate = WorkflowStep(name: "aggregate", program: program, inputs: [.output(ofStep: "segment", path: "proof.bin")],
                                     resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 30)
        let scripted: [Int: [SignedTransaction]] = [
            1: [chain.sign(.deployProgram(Fixtures.program("demo")), by: user),
                chain.sign(.createProverSet(CreateProverSet(name: "zone-a", members: [], labels: ["zone": "a"])), by: user)],
            2: workerKeys.prefix(2).map { chain.sign(.joinProverSet(JoinProverSet(name: "zone-a")), by: $0) },
            3: [chain.sign(.requestProof(request), by: user)],
            4: [chain.sign(.submitWorkflow(SubmitWorkflow(name: "golden", steps: [segment, aggregate])), by: user),
                chain.sign(.transfer(Transfer(to: authority.address, amount: 5)), by: user)],
        ]
        for height in 1...20 {
            let outcome = try chain.block((scripted[height] ?? []) + workers.due(at: chain.now + 1_000, chain: &chain), interval: 1_000)
            #expect(outcome.rejected.isEmpty, "block \(height) left out \(outcome.rejected.map(\.error))")
            workers.observe(outcome.events, state: chain.state)
            digests.append(chain.state.stateDigest)
        }
        return (chain, digests)
    }
}

@Suite("The state digest", .tags(.unit))
struct StateDigestTests {
    @Test("injective: text a sender chooses cannot make two different event lists hash alike")
    func senderTextCannotForgeAnotherEvent() throws {
        let task = SHA256Hex.of("task")
        let worker = AccountKey(deterministicFrom: "worker-0").address
        let honest = [LedgerEvent(.taskDeclined, height: 5, task: task, attempt: 1, worker: worker, detail: "busy"),
                      LedgerEvent(.slashed, height: 5, task: task, attempt: 1, worker: worker, amount: 9)]
        // The old rendering joined fields with 0x1f and events with 0x1e: a decline reason holding those bytes could
        // spell out a second event.
        func oldRendering(_ events: [LedgerEvent]) -> [UInt8] {
            events.flatMap { event -> [UInt8] in
                let fields: [String?] = [event.kind.rawValue, String(event.height), event.task, event.attempt.map { String($0) }, event.worker,
                                         event.account, event.program, event.workflow, event.amount.map { String($0) },
                                         event.deadlineMilliseconds.map { String($0) }, event.detail]
                return fields.flatMap { Array(($0 ?? "").utf8) + [0x1f] } + [0x1e]
            }
        }
        let forgedReason = "busy\u{1f}\u{1e}slashed\u{1f}5\u{1f}\(task)\u{1f}1\u{1f}\(worker)\u{1f}\u{1f}\u{1f}\u{1f}9\u{1f}\u{1f}"
        let forged = [LedgerEvent(.taskDeclined, height: 5, task: task, attempt: 1, worker: worker, detail: forgedReason)]
        #expect(oldRendering(honest) == oldRendering(forged), "the old rendering collides (the defect this encoding fixes)")
        #expect(try DigestEncoding.bytes(honest) != DigestEncoding.bytes(forged))
    }

    @Test("every field is written, absent ones as nil: shifting a value to a neighbouring optional changes the bytes")
    func absentFieldsAreExplicit() throws {
        let a = LedgerEvent(.paid, height: 1, account: "x", program: nil)
        let b = LedgerEvent(.paid, height: 1, account: nil, program: "x")
        #expect(try DigestEncoding.bytes(a) != DigestEncoding.bytes(b))
    }

    @Test("dictionaries are written in key order, whatever order they were built in")
    func dictionariesInKeyOrder() throws {
        var first: [String: String] = [:]
        var second: [String: String] = [:]
        for index in 0..<50 { first["k\(index)"] = "v\(index)" }
        for index in (0..<50).reversed() { second["k\(index)"] = "v\(index)" }
        #expect(try DigestEncoding.bytes(first) == DigestEncoding.bytes(second))
    }

    @Test("the fast path writes exactly the Codable encoding, for every record of a history and for records with every field set or absent")
    func fastPathMatchesCodable() throws {
        let (chain, _) = try GoldenVectorTests.fixedHistory()
        func fast<T>(_ value: T, _ append: (T, inout [UInt8]) -> Void) -> [UInt8] {
            var bytes: [UInt8] = []
            append(value, &bytes)
            return bytes
        }
        for task in chain.state.tasks.values {
            #expect(fast(task, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(task)), "task \(task.id)")
        }
        for worker in chain.state.workers.values {
            #expect(fast(worker, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(worker)))
        }
        for account in chain.state.accounts.values {
            #expect(fast(account, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(account)))
        }
        for event in chain.allEvents {
            #expect(fast(event, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(event)), "\(event.kind)")
        }
        // Every optional set, every array non-empty.
        let result = SubmitResult(task: "t", attempt: 2, exitCode: -3, timedOut: true, oomKilled: true,
                                  outputs: [OutputRef(path: "p", digest: "d", size: 9)], stdoutDigest: "o", stderrDigest: "e",
                                  usage: MeasuredUsage(wallMilliseconds: 1, cpuMilliseconds: 2, peakMemoryBytes: 3), message: "m")
        let attempt = Attempt(number: 1, slot: 0, worker: "w", state: .verified, assignedAtMilliseconds: 1, acceptDeadlineMilliseconds: 2,
                              acceptedAtMilliseconds: 3, runDeadlineMilliseconds: 4, result: result, deliveredAtMilliseconds: 5,
                              verifiers: [VerifierDuty(worker: "v", drawnAtMilliseconds: 6, deadlineMilliseconds: 7, state: .voted, vote: .invalid)],
                              verifiersNeeded: 3, verifierReplacements: 1, decidedAtMilliseconds: 8, failure: "f")
        let full = TaskRecord(id: "i", kind: .verification, requester: "r", program: "p", inputs: [InputRef(path: "a", digest: "b", size: 1, url: "u")],
                              proof: [InputRef(path: "c", digest: "d", size: 2)], resources: Resources(cpuMillicores: 1, memoryBytes: 2, gpus: 3),
                              timeLimitSeconds: 4, environment: ["A=1"], redundancy: 2, verifierCount: 3, proverSet: "s", workflow: "w", step: "x",
                              targetWorker: "t", feePerSlot: 5, escrow: 6, state: .failed, submittedAtMilliseconds: 7, submittedAtHeight: 8,
                              deliveredAtMilliseconds: 9, completedAtMilliseconds: 10,
                              slots: [Slot(index: 0, state: .failed, fee: 5, failedAttempts: 1, waitingSinceMilliseconds: 2, waitingSinceHeight: 1, currentAttempt: 1)],
                              attempts: [attempt], provers: ["w"], paid: 1, refunded: 2, burned: 3, failure: "why", verifiedAttempt: 1, draws: 4, sequence: 5)
        #expect(fast(full, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(full)))
        var empty = full
        empty.proverSet = nil; empty.workflow = nil; empty.step = nil; empty.targetWorker = nil; empty.deliveredAtMilliseconds = nil
        empty.completedAtMilliseconds = nil; empty.failure = nil; empty.verifiedAttempt = nil; empty.inputs = []; empty.slots[0].currentAttempt = nil
        empty.attempts[0].result = nil; empty.attempts[0].worker = nil; empty.attempts[0].verifiers[0].vote = nil
        #expect(fast(empty, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(empty)))
        var worker = try #require(chain.state.workers.values.first)
        worker.labels = ["b": "2", "a": "1"]; worker.endpoint = "e"; worker.capacityTest = "c"; worker.jailedUntilMilliseconds = 1
        worker.exitAtMilliseconds = 2; worker.proverSets = ["x", "y"]
        #expect(fast(worker, DigestEncoding.appendRecord) == (try DigestEncoding.bytes(worker)))
    }

    @Test("floating point has no digest encoding")
    func floatsRefused() {
        #expect(throws: EncodingError.self) { try DigestEncoding.bytes([1.5]) }
    }

    @Test("covers reservations: a replica whose worker holds a different reservation refuses the next block that touches it")
    func reservationsAreCovered() throws {
        let (chain, _) = try GoldenVectorTests.fixedHistory()
        // The block that assigns the first request's prover reserves its capacity.
        guard let assigning = chain.outcomes.firstIndex(where: { $0.events.contains { $0.kind == .taskAssigned } }) else {
            Issue.record("the history assigns no prover")
            return
        }
        let prover = try #require(chain.outcomes[assigning].events.first { $0.kind == .taskAssigned }?.worker)
        var replica = try Ledger(genesis: GoldenVectorTests.genesis)
        for block in chain.blocks[..<assigning] { _ = try replica.apply(block) }
        replica.state.workers[prover]?.reserved.memoryBytes += 1
        #expect(throws: LedgerError.self) { try replica.apply(chain.blocks[assigning]) }
    }
}
