import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// The cheap ways to halt the chain that a public network is tried with on its first day: every one is refused with a
/// clear error and changes nothing, and the chain goes on producing blocks (docs/PROTOCOL.md "Bounds").
@Suite("No cheap way to halt the chain", .tags(.unit))
struct HaltAttemptTests {
    static let absurd = Resources(cpuMillicores: 10_000_000_000_000_000, memoryBytes: .max, gpus: 10_000_000_000_000_000)

    @Test("a worker declaring an absurd capacity is refused; one declaring the largest machine is a candidate without overflow")
    func absurdCapacity() throws {
        var (chain, _, program) = try chainWithProgram()
        let operatorKey = AccountKey(deterministicFrom: "absurd-operator")
        _ = try chain.submit(.mint(Mint(to: operatorKey.address, amount: 1_000 * MicroCredit.perCredit)), by: chain.authority)
        let stake = chain.parameters.minWorkerStake
        for capacity in [Self.absurd, Resources(cpuMillicores: 1_000, memoryBytes: Units.gib, gpus: 65),
                         Resources(cpuMillicores: Limits.maxCPUMillicores + 1, memoryBytes: Units.gib)] {
            try expectRefusal(&chain, .registerWorker(RegisterWorker(capacity: capacity, diskBytes: 1 << 40, stake: stake)),
                              by: operatorKey, code: .invalidField)
        }
        try expectRefusal(&chain, .registerWorker(RegisterWorker(capacity: Fixtures.gpuNode, diskBytes: .max, stake: stake)),
                          by: operatorKey, code: .invalidField)
        // The largest machine the bounds allow, active from genesis, is drawn among others without any overflow.
        let largest = Resources(cpuMillicores: Limits.maxCPUMillicores, memoryBytes: Limits.maxMemoryBytes, gpus: Limits.maxGPUs)
        var (big, keys) = try TestChain.make(capacities: [largest, largest, Fixtures.gpuNode, Fixtures.gpuNode], users: [user])
        _ = try big.submit(.deployProgram(Fixtures.program("demo")), by: user)
        var workers = SimulatedWorkers(keys: keys)
        let id = try request(&big, proofRequest(program))
        try big.run(&workers) { $0.tasks[id]?.state.isAccepted == true }
        #expect(big.task(id)?.state.isAccepted == true)
    }

    @Test("absurd resources, time and redundancy on a request are refused")
    func absurdRequests() throws {
        var (chain, _, program) = try chainWithProgram()
        let inputs = [Fixtures.input("input.json")]
        for body in [RequestProof(program: program, inputs: inputs, resources: Self.absurd, timeLimitSeconds: 60),
                     RequestProof(program: program, inputs: inputs, resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: .max),
                     RequestProof(program: program, inputs: inputs, resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60,
                                  redundancy: .max),
                     RequestProof(program: program, inputs: inputs, resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60,
                                  maxFee: .max),
                     RequestProof(program: program, inputs: [InputRef(path: "x", digest: Fixtures.digest("x"), size: .max)],
                                  resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)] {
            try expectRefusal(&chain, .requestProof(body), by: user, code: .invalidField)
        }
        try expectRefusal(&chain, .transfer(Transfer(to: otherUser.address, amount: .max)), by: user, code: .invalidField)
        _ = try chain.block([])
    }

    @Test("a workflow whose fees add up past the supply is refused as fee_overflow")
    func workflowFeesOverflow() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.prices = PriceSchedule(cpuCoreHour: ChainParameters.maxUnitPrice, memoryGiBHour: 0, gpuHour: 0)
        let largest = Resources(cpuMillicores: Limits.maxCPUMillicores, memoryBytes: Units.gib)
        var (chain, _) = try TestChain.make(capacities: [largest, largest, largest, largest], users: [user], parameters: parameters)
        let program = try request(&chain, .deployProgram(Fixtures.program("demo")))
        let step = { (name: String) in
            WorkflowStep(name: name, program: program, inputs: [.file(Fixtures.input("input.json"))], resources: largest, timeLimitSeconds: 6 * 86_400)
        }
        try expectRefusal(&chain, .submitWorkflow(SubmitWorkflow(name: "huge", steps: [step("a"), step("b")])), by: user, code: .feeOverflow)
        // One such step alone is priced (and refused only because the user cannot pay it).
        try expectRefusal(&chain, .submitWorkflow(SubmitWorkflow(name: "one", steps: [step("a")])), by: user, code: .insufficientBalance)
    }

    @Test("a genesis with absurd numbers is refused before any block")
    func absurdGenesis() throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.prices = PriceSchedule(cpuCoreHour: .max, memoryGiBHour: 1, gpuHour: 1)
        #expect(throws: LedgerError.self) {
            try Ledger(genesis: Genesis(chainID: "x", timestampMilliseconds: 0, validators: [Genesis.Validator(key: user, url: "http://127.0.0.1:8545")], authority: user.address, parameters: parameters,
                                        capacityTestProgram: Fixtures.capacityTestProgram))
        }
        #expect(throws: LedgerError.self) {
            try Ledger(genesis: Genesis(chainID: "x", timestampMilliseconds: .max, validators: [Genesis.Validator(key: user, url: "http://127.0.0.1:8545")], authority: user.address, capacityTestProgram: Fixtures.capacityTestProgram))
        }
        #expect(throws: LedgerError.self) {
            try Ledger(genesis: Genesis(chainID: "x", timestampMilliseconds: 0, validators: [Genesis.Validator(key: user, url: "http://127.0.0.1:8545")], authority: user.address,
                                        accounts: [Genesis.FundedAccount(address: user.address, balance: Limits.maxSupply),
                                                   Genesis.FundedAccount(address: otherUser.address, balance: 1)],
                                        capacityTestProgram: Fixtures.capacityTestProgram))
        }
    }
}

@Suite("Block timestamps", .tags(.unit))
struct BlockTimestampTests {
    @Test("a block earlier than the parent's plus minBlockInterval is refused, by the proposer and by a follower")
    func tooEarly() throws {
        var (chain, _, _) = try chainWithProgram()
        var proposer = chain.ledger
        #expect(throws: LedgerError.self) {
            try proposer.propose([], timestampMilliseconds: chain.now + chain.parameters.minBlockIntervalMilliseconds - 1, proposer: chain.authority)
        }
        let good = try chain.block([], interval: chain.parameters.minBlockIntervalMilliseconds)
        var early = good.block
        early.header.timestampMilliseconds -= 1
        var follower = try Ledger(genesis: chain.genesis)
        for block in chain.blocks.dropLast() { _ = try follower.apply(block) }
        let before = follower.state
        #expect(throws: LedgerError.self) { try follower.apply(early) }
        #expect(follower.state == before)
    }

    @Test("a follower refuses a block timestamped beyond its own clock plus maxClockDrift, and takes it once its clock is there")
    func fromTheFuture() throws {
        var (chain, _, _) = try chainWithProgram()
        var follower = try Ledger(genesis: chain.genesis)
        for block in chain.blocks { _ = try follower.apply(block) }
        // A proposer whose clock ran an hour ahead.
        let outcome = try chain.block([], interval: 3_600_000)
        let drift = chain.parameters.maxClockDriftMilliseconds
        let before = follower.state
        do {
            _ = try follower.apply(outcome.block, receivedAtMilliseconds: before.lastTimestampMilliseconds + 1_000)
            Issue.record("accepted a block from an hour in the future")
        } catch let error as LedgerError {
            #expect(error.code == .timestampInFuture)
        }
        #expect(follower.state == before)
        _ = try follower.apply(outcome.block, receivedAtMilliseconds: outcome.block.header.timestampMilliseconds - drift)
        #expect(follower.state.stateDigest == chain.state.stateDigest)
    }
}
