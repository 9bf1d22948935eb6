import Foundation
import ProvaCore
import ProvaLedger
import ProvaTesting

/// `ledger.apply`: signed transactions per second through `Ledger.apply(block)` — the validator path, which verifies
/// every signature — for a realistic mix (requests, accepts, results, votes), on one core.
/// `ledger.assign`: milliseconds for one block's end-of-block work with 10,000 pending tasks and 10,000 idle workers.
func runLedgerBenchmarks(only name: String? = nil) throws -> [BenchLine] {
    var lines: [BenchLine] = []
    if name == nil || name == "ledger.apply" { lines.append(try applyThroughput()) }
    if name == nil || name == "ledger.assign" { lines.append(try assignmentPass()) }
    if name == nil || name == "ledger.vrf_verify_us" { lines.append(beaconVerification()) }
    return lines
}

/// Records blocks of the mix with the proposer path first (untimed), then times a fresh validator applying them.
func applyThroughput() throws -> BenchLine {
    let users = (0..<50).map { AccountKey(deterministicFrom: "bench-user-\($0)") }
    var parameters = ChainParameters.genesisDefaults
    parameters.idleTestPartsPerMillion = 0
    var (chain, keys) = try TestChain.make(workers: 400, capacity: Fixtures.gpuNode, users: users, parameters: parameters, chainID: "bench")
    let deployed = try chain.submit(.deployProgram(Fixtures.program("bench")), by: users[0])
    guard let program = deployed.transactions.first?.created else { throw BenchError("the benchmark program was not deployed") }
    var workers = SimulatedWorkers(keys: keys, runPercentOfLimit: 5)
    let recordedFrom = chain.blocks.count
    for round in 0..<60 {
        var transactions = workers.due(at: chain.now + 500, chain: &chain)
        for user in users {
            transactions.append(chain.sign(.requestProof(RequestProof(
                program: program, inputs: [Fixtures.input("round-\(round).json")],
                resources: Resources(cpuMillicores: 4_000, memoryBytes: 8 * Units.gib), timeLimitSeconds: 20, verifiers: 3)), by: user))
        }
        let outcome = try chain.block(transactions, interval: 500)
        workers.observe(outcome.events, state: chain.state)
    }
    var replica = try Ledger(genesis: chain.genesis)
    for block in chain.blocks[..<recordedFrom] { _ = try replica.apply(block) }
    let measured = Array(chain.blocks[recordedFrom...])
    let count = measured.reduce(0) { $0 + $1.transactions.count }
    let started = ContinuousClock.now
    for block in measured { _ = try replica.apply(block) }
    let seconds = (ContinuousClock.now - started).seconds
    return BenchLine(name: "ledger.apply", value: Double(count) / seconds, unit: "tx/s")
}

/// Builds the state directly (10,000 active workers, 10,000 tasks waiting for a prover), restores a ledger from it,
/// and times the next (empty) block, whose end-of-block work assigns every task.
func assignmentPass() throws -> BenchLine {
    let count = 10_000
    var parameters = ChainParameters.genesisDefaults
    parameters.idleTestPartsPerMillion = 0
    let authority = AccountKey(deterministicFrom: "bench-authority")
    let genesis = Genesis(chainID: "bench-assign", timestampMilliseconds: 1_700_000_000_000,
                          validators: [Genesis.Validator(key: authority, url: "http://127.0.0.1:8545")], authority: authority.address, parameters: parameters,
                          capacityTestProgram: Fixtures.capacityTestProgram)
    let program = Fixtures.program("assign")
    let programRecord = Program(id: program.programID, owner: authority.address, deploy: program, deployedAtHeight: 0, strikes: 0, blocked: false,
                                blockedReason: nil, tasksRequested: Int64(count), tasksVerified: 0, tasksFailed: 0)
    let now = genesis.timestampMilliseconds + 1_000
    let shapes = [Resources(cpuMillicores: 4_000, memoryBytes: 8 * Units.gib), Resources(cpuMillicores: 16_000, memoryBytes: 64 * Units.gib),
                  Resources(cpuMillicores: 32_000, memoryBytes: 190 * Units.gib, gpus: 1)]
    let workers = (0..<count).map { index in
        Worker(address: Addresses.from(publicKey: Array("worker-\(index)".utf8)), capacity: index % 3 == 0 ? Fixtures.cpuNode : Fixtures.gpuNode,
               diskBytes: 1 << 40, labels: [:], stake: parameters.minWorkerStake, endpoint: nil, status: .active, reserved: .zero, strikes: 0,
               jailedUntilMilliseconds: nil, exitAtMilliseconds: nil, registeredAtMilliseconds: 0, capacityTest: nil, proverSets: [], earned: 0,
               slashed: 0, tasksProved: 0, votesCast: 0, assignments: 0)
    }
    var escrow: MicroCredits = 0
    let tasks = try (0..<count).map { index -> TaskRecord in
        let resources = shapes[index % shapes.count]
        let fee = try Pricing.fee(resources, seconds: 300, prices: parameters.prices)
        escrow += fee
        return TaskRecord(id: SHA256Hex.of("bench-task-\(index)"), kind: .proof, requester: authority.address, program: program.programID,
                          inputs: [], proof: [], resources: resources, timeLimitSeconds: 300, environment: [], redundancy: 1, verifierCount: 3,
                          proverSet: nil, workflow: nil, step: nil, targetWorker: nil, feePerSlot: fee, escrow: fee, state: .pending,
                          submittedAtMilliseconds: now, submittedAtHeight: 1,
                          deliveredAtMilliseconds: nil, completedAtMilliseconds: nil,
                          slots: [Slot(index: 0, state: .waiting, fee: fee, failedAttempts: 0, waitingSinceMilliseconds: now,
                                       waitingSinceHeight: 1, currentAttempt: nil)],
                          attempts: [], provers: [], paid: 0, refunded: 0, burned: 0, failure: nil, verifiedAttempt: nil, draws: 0, sequence: Int64(index))
    }
    let totals = LedgerState.Totals(minted: escrow + Int64(count) * parameters.minWorkerStake, tasksSubmitted: Int64(count))
    let snapshot = LedgerSnapshot(height: 1, lastBlockHash: SHA256Hex.of("bench-previous"), lastBeacon: genesis.beacon, lastTimestampMilliseconds: now, stateDigest: SHA256Hex.of("bench"),
                                  totals: totals, accounts: [Account(address: authority.address)], programs: [programRecord], tasks: tasks,
                                  workers: workers, proverSets: [], workflows: [])
    var samples: [Double] = []
    for _ in 0..<3 {
        var ledger = try Ledger(genesis: genesis, restoring: snapshot)
        let started = ContinuousClock.now
        let proposal = try ledger.propose(verified: [], timestampMilliseconds: now + 100, proposer: authority)
        samples.append((ContinuousClock.now - started).seconds * 1_000)
        let assigned = proposal.outcome.events.filter { $0.kind == .taskAssigned }.count
        guard assigned == count else { throw BenchError("expected \(count) assignments, got \(assigned)") }
    }
    return BenchLine(name: "ledger.assign", value: samples.sorted()[samples.count / 2], unit: "ms")
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// `ledger.vrf_verify_us`: one beacon check as `apply` runs it (ECVRF verify of π over alpha, β compared), the median of
/// 2,000 checks of 2,000 different blocks' beacons.
func beaconVerification() -> BenchLine {
    let key = AccountKey(deterministicFrom: "bench-validator")
    var previous = Beacon.genesis(hash: SHA256Hex.of("bench-genesis"))
    var beacons: [(beacon: String, proof: String, previous: String, height: UInt64)] = []
    for height in 1...2_000 {
        let made = Beacon.make(by: key, previous: previous, height: UInt64(height))
        beacons.append((made.beacon, made.proof, previous, UInt64(height)))
        previous = made.beacon
    }
    var samples: [Double] = []
    for item in beacons {
        let started = ContinuousClock.now
        let valid = Beacon.verify(beacon: item.beacon, proof: item.proof, proposer: key.publicKeyHex, previous: item.previous, height: item.height)
        samples.append((ContinuousClock.now - started).seconds * 1_000_000)
        precondition(valid, "a beacon made by the key did not verify")
    }
    return BenchLine(name: "ledger.vrf_verify_us", value: samples.sorted()[samples.count / 2], unit: "us")
}
