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
        #expect(Self.genesis.hash == "5bbce4febddfc6ef5ad9f55b02edbbf9551644bb15b42d37b9aec67984a211ea")
    }

    @Test("the genesis beacon, and block 1's beacon and proof by the genesis validator (ECVRF-EDWARDS25519-SHA512-TAI)")
    func beacons() throws {
        // SHA-512("prova/beacon/v1" ‖ 0x00 ‖ genesis hash bytes).
        #expect(Self.genesis.beacon == "d54b1b64e516bb84189aae6695459139f18fb27385c0f52b4a0fd014737744aab9bb41763c704df8fd013501aef48c303604d3443a409414aa95d66fb0784a4b")
        var ledger = try Ledger(genesis: Self.genesis)
        let block = try ledger.propose([], timestampMilliseconds: Self.genesis.timestampMilliseconds + 100,
                                       proposer: AccountKey(deterministicFrom: "authority")).block
        #expect(block.header.beacon == "e044249a912125088ac1c8c3f18f8bfd1fc5f59858445cae87195a78fad9525d7644c117213408e4e86e0a55fc370cbe962b31e76182fefeb01a5a7e6548e8b9")
        #expect(block.header.beaconProof == "aaf891192521b4031485666a035af65075b171d0e8e171d966e50bd8eb6e85b09ed35e41d55c157e7027c82de14389864d00429e558a30628adcfdc5eda200de8ec68ad86bf072b8f85954a5c7b2a902")
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
            + #""chainID":"prova-golden","genesis":"5bbce4febddfc6ef5ad9f55b02edbbf9551644bb15b42d37b9aec67984a211ea","nonce":7,"#
            + #""sender":"1c1aeb3c580f97bc0b42d822b8f9948e5eba086653b92a9e485d2cf27094d42e"}"#)
        let signed = try unsigned.signed(by: key)
        #expect(signed.signature == "d274475d1c2d0bf13ada3d8394b0ffa50ee1dc5ac21341fa6f14c326c6dd31a144aba6778c3b2bf466e06ad92903fe974df887d63da245c4265a5f862809880c")
        let hash = try signed.verified(chain: Self.genesis.identity).hash
        #expect(hash == "f7d1d51f0439794fa3eee041630c7fa3840d7145602b8fc46b5c78adc4a0dfb0")
    }

    @Test("the state digest after a fixed 20-block history: requests, a prover set, a workflow, votes, payments")
    func stateDigestAfterTwentyBlocks() throws {
        let (chain, digests) = try Self.fixedHistory()
        #expect(chain.state.height == 20)
        #expect(chain.state.tasks.values.filter { $0.kind == .proof && $0.state == .verified }.count == 3, "the request and both workflow steps are verified")
        #expect(chain.state.workflows.values.first?.state == .completed)
        #expect(chain.state.proverSets["zone-a"]?.joined.count == 2)
        #expect(chain.state.stateDigest == "72d254b9d300806d39351c6ceee039fb0d3ee76e29209e814329fcf2343af9e2")
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
