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
        return Genesis(chainID: "prova-golden", timestampMilliseconds: 1_700_000_000_000, authority: authority.address,
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
        #expect(Self.genesis.hash == "60b763674c50264ea5090c55867c0718c918c25d729be2020025f64bdaf36776")
    }

    @Test("a program ID is the hash of the canonical deploy body")
    func programID() {
        #expect(Fixtures.program("demo").programID == "f5668c2ae43490a0a9223ad7e2454ce5fdc0ce1f99bc3558469d8802844ab00c")
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
            + #""chainID":"prova-golden","genesis":"60b763674c50264ea5090c55867c0718c918c25d729be2020025f64bdaf36776","nonce":7,"#
            + #""sender":"1c1aeb3c580f97bc0b42d822b8f9948e5eba086653b92a9e485d2cf27094d42e"}"#)
        let signed = try unsigned.signed(by: key)
        #expect(signed.signature == "d877b58ced0d8457d8bdeeb4a0ef024cf9766d86f2145126c1c9741fc4c0e73b09ff588ef84bea84d78d8e99eb41cf594b0bfb0e82f6c96a2e20d5d1c1fa6900")
        let hash = try signed.verified(chain: Self.genesis.identity).hash
        #expect(hash == "ae593ac13cb4f6e99b2d4dbdf3642461078ac4b87d2d76dcae560b454a1466dc")
    }

    @Test("the state digest after a fixed 20-block history: requests, a prover set, a workflow, votes, payments")
    func stateDigestAfterTwentyBlocks() throws {
        let (chain, digests) = try Self.fixedHistory()
        #expect(chain.state.height == 20)
        #expect(chain.state.tasks.values.filter { $0.kind == .proof && $0.state == .verified }.count == 3, "the request and both workflow steps are verified")
        #expect(chain.state.workflows.values.first?.state == .completed)
        #expect(chain.state.proverSets["zone-a"]?.joined.count == 2)
        #expect(chain.state.stateDigest == "3fb74be4e8bcf7269686b0524dc591d9014096019ebb03dfb434cc01b4764e35")
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
