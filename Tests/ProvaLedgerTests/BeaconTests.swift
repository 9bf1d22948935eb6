import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// The beacon (docs/PROTOCOL.md "Beacon"): one valid beacon per proposer key and height, checked by every follower;
/// draws seeded by the beacon of a later block than the one that made them necessary.
@Suite("Beacon", .tags(.unit))
struct BeaconTests {
    /// A follower of `chain` that has applied every block but the last, and that last block.
    func followerBeforeLast(_ chain: TestChain) throws -> (Ledger, Block) {
        var follower = try Ledger(genesis: chain.genesis)
        for block in chain.blocks.dropLast() { _ = try follower.apply(block) }
        return (follower, try #require(chain.blocks.last))
    }

    func expectRefused(_ block: Block, by follower: Ledger, code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation) {
        var copy = follower
        #expect(sourceLocation: sourceLocation, performing: { _ = try copy.apply(block) }, throws: { ($0 as? LedgerError)?.code == code })
        #expect(copy.state == follower.state, "a refused block changes nothing", sourceLocation: sourceLocation)
    }

    @Test("a follower refuses a forged, replayed, tampered or foreign-key beacon, and takes the honest block")
    func forgedBeaconsAreRefused() throws {
        var (chain, _, program) = try chainWithProgram()
        _ = try request(&chain, proofRequest(program))
        try chain.block()
        let (follower, honest) = try followerBeforeLast(chain)
        let previous = chain.blocks[chain.blocks.count - 2]

        var forged = honest
        forged.header.beacon = String(repeating: "ab", count: 64)
        expectRefused(forged, by: follower, code: .badBeacon)

        // The previous block's beacon and proof, replayed at the next height: alpha includes the height.
        var replayed = honest
        replayed.header.beacon = previous.header.beacon
        replayed.header.beaconProof = previous.header.beaconProof
        expectRefused(replayed, by: follower, code: .badBeacon)

        var tampered = honest
        var proof = Array(tampered.header.beaconProof)
        proof[100] = proof[100] == "0" ? "1" : "0"
        tampered.header.beaconProof = String(proof)
        expectRefused(tampered, by: follower, code: .badBeacon)

        // A valid VRF output by a key that is not a validator.
        let outsider = AccountKey(deterministicFrom: "outsider")
        let outsiders = Beacon.make(by: outsider, previous: previous.header.beacon, height: honest.header.height)
        var foreign = honest
        foreign.header.proposer = outsider.publicKeyHex
        foreign.header.beacon = outsiders.beacon
        foreign.header.beaconProof = outsiders.proof
        expectRefused(foreign, by: follower, code: .unknownProposer)

        // A validator's beacon with a different proposer field is not its own.
        var mislabelled = honest
        mislabelled.header.beacon = outsiders.beacon
        mislabelled.header.beaconProof = outsiders.proof
        expectRefused(mislabelled, by: follower, code: .badBeacon)

        var accepted = follower
        _ = try accepted.apply(honest)
        #expect(accepted.state == chain.state)
        #expect(accepted.state.lastBeacon == honest.header.beacon)
    }

    @Test("the beacon depends on the key, the previous beacon and the height only: not on transactions or the timestamp")
    func oneBeaconPerHeight() throws {
        var (chain, _, _) = try chainWithProgram()
        var empty = chain.ledger
        var full = chain.ledger
        let transfer = chain.sign(.transfer(Transfer(to: otherUser.address, amount: 5)), by: user)
        let a = try empty.propose([], timestampMilliseconds: chain.now + 100, proposer: chain.authority).block
        let b = try full.propose([transfer], timestampMilliseconds: chain.now + 777, proposer: chain.authority).block
        #expect(a.hash != b.hash)
        #expect(a.header.beacon == b.header.beacon)
        #expect(Beacon.verify(beacon: a.header.beacon, proof: a.header.beaconProof, proposer: chain.authority.publicKeyHex,
                              previous: chain.state.lastBeacon, height: chain.state.height + 1))
        // Only a genesis validator may propose.
        var outsider = chain.ledger
        #expect(performing: { _ = try outsider.propose([], timestampMilliseconds: chain.now + 100, proposer: AccountKey(deterministicFrom: "outsider")) },
                throws: { ($0 as? LedgerError)?.code == .unknownProposer })
    }

    @Test("a request's prover and a delivery's verifiers are drawn in the next block, never in the block that carries them")
    func drawsComeOneBlockLater() throws {
        var (chain, keys, program) = try chainWithProgram()
        let included = try chain.submit(proofRequest(program), by: user)
        let id = try #require(included.transactions.first?.created)
        #expect(events(included.events, .taskAssigned, task: id).isEmpty)
        let drawn = try chain.block()
        let assigned = try #require(events(drawn.events, .taskAssigned, task: id).first)
        let prover = try #require(keys.first { $0.address == assigned.worker })
        try chain.submit(.acceptTask(AcceptTask(task: id, attempt: 1)), by: prover)
        let delivery = try chain.submit(.submitResult(SubmitResult(task: id, attempt: 1, exitCode: 0, outputs: [OutputRef(path: "proof.bin", digest: SimulatedWorkers.validProofDigest(id), size: 64)])), by: prover)
        #expect(events(delivery.events, .verifierAssigned, task: id).isEmpty)
        let verifiers = try chain.block()
        #expect(events(verifiers.events, .verifierAssigned, task: id).count == 3)
        #expect(try chain.replay() == chain.state)
    }

    /// The requester grinds: it signs variants of its request, and for each computes who would prove it under every seed
    /// it can know (the last block's hash, the last beacon), keeping the first predicted to go to its own worker under
    /// both. Under the rule the beacon replaced (previous block hash, same block) that works every time; under the
    /// beacon, its worker proves about as often as chance says.
    @Test("a requester that computes every seed it can know cannot make its chosen worker be drawn", arguments: SeedRule.allCases)
    func grindingRequesterGetsChance(rule: SeedRule) throws {
        var (chain, keys, program) = try chainWithProgram(workers: 6)
        chain.seedRule = rule
        let target = keys[0].address
        let resources = Resources(cpuMillicores: 1_000, memoryBytes: Units.gib)
        var hits = 0
        let rounds = 36
        for round in 0..<rounds {
            let ledger = chain.ledger
            var chosen: SignedTransaction?
            for variant in 0..<1_024 where chosen == nil {
                let body = TransactionBody.requestProof(RequestProof(program: program, inputs: [Fixtures.input("grind-\(round)-\(variant).json")],
                                                                     resources: resources, timeLimitSeconds: 60))
                let transaction = chain.sign(body, by: user, nonce: ledger.state.nonce(of: user.address))
                let task = IDs.task(fromTransaction: try ledger.verify(transaction).hash)
                let predictions = [ledger.state.lastBlockHash, ledger.state.lastBeacon].map {
                    ledger.predictedProver(task: task, resources: resources, randomness: $0)
                }
                if predictions.allSatisfy({ $0 == target }) { chosen = transaction }
            }
            let transaction = try #require(chosen, "1,024 variants include one predicted for a worker of six under both seeds")
            let included = try chain.block([transaction])
            let id = try #require(included.transactions.first?.created)
            if rule == .beacon { try chain.block() }
            if chain.task(id)?.attempts.first?.worker == target { hits += 1 }
            try chain.submit(.cancelTask(CancelTask(task: id)), by: user)
        }
        switch rule {
        case .blockHash:
            #expect(hits == rounds, "under the old rule a requester picks its prover")
        case .beacon:
            // Chance is 1 in 6 (6 of 36 expected); 14 or more would happen by chance less than once in a thousand runs.
            #expect(hits < 14, "its worker proved \(hits) of \(rounds) ground requests")
        }
    }
}
