import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// Random transaction sequences with random worker behaviour; the invariants of DESIGN §5–§6 after every block.
@Suite("Properties over random histories", .tags(.property))
struct PropertyTests {
    /// Short windows so a history of a few hundred blocks exercises every deadline.
    static var parameters: ChainParameters {
        var parameters = ChainParameters.genesisDefaults
        parameters.acceptWindowMilliseconds = 2_000
        parameters.uploadGraceMilliseconds = 2_000
        parameters.voteGraceMilliseconds = 2_000
        parameters.revealWindowMilliseconds = 2_000
        parameters.verificationTimeoutMilliseconds = 30_000
        parameters.jailMilliseconds = 10_000
        parameters.maxPendingMilliseconds = 30_000
        parameters.exitDelayMilliseconds = 5_000
        parameters.idleTestPartsPerMillion = 20_000
        parameters.freeTierAllowance = 500
        return parameters
    }

    /// Every way a worker can fail its duties, including the verifier's shortcuts: voting without running (lazy),
    /// committing and never revealing, and copying the votes revealed first.
    static let misbehaviours: [WorkerBehaviour] = [.silent, .declines, .timesOut, .fails, .lies, .votesWrong, .lazy, .neverReveals, .copies]

    func checkInvariants(_ state: LedgerState, seed: Int, block: Int) {
        let supply = state.supply()
        #expect(supply.isConserved, "seed \(seed) block \(block): \(supply)")
        #expect(state.accounts.values.allSatisfy { $0.balance >= 0 }, "seed \(seed) block \(block): negative balance")
        #expect(state.tasks.values.allSatisfy { $0.escrow >= 0 }, "seed \(seed) block \(block): negative escrow")
        for worker in state.workers.values {
            #expect(worker.reserved.isNonNegative && worker.reserved.fits(in: worker.capacity) && worker.stake >= 0,
                    "seed \(seed) block \(block): worker \(worker.address.prefix(8)) reserved \(worker.reserved) of \(worker.capacity)")
        }
    }

    @Test("conservation, no negative balance, reservations within capacity; every task ends once workers behave; replay is deterministic")
    func randomHistories() async throws {
        // A minute of CPU: run it on a thread of its own, not on the cooperative pool other tests need.
        try await offloaded {
            for seed in 0..<120 { try history(seed: seed) }
        }
    }

    @Test("a thousand short random sequences: invariants after every block and replay gives the same digest")
    func shortSequences() async throws {
        try await offloaded {
            for seed in 1_000..<2_000 { try history(seed: seed, randomBlocks: 8, settle: false) }
        }
    }

    func history(seed: Int, randomBlocks: Int = 60, settle: Bool = true) throws {
        var random = SeededGenerator(seed: "property-\(seed)")
        let users = [AccountKey(deterministicFrom: "p-user-a"), AccountKey(deterministicFrom: "p-user-b")]
        var (chain, keys) = try TestChain.make(workers: 5 + random.below(4), capacity: Resources(cpuMillicores: 8_000, memoryBytes: 16 * Units.gib),
                                               users: users, balance: 500 * MicroCredit.perCredit, parameters: Self.parameters)
        let newcomer = AccountKey(deterministicFrom: "p-newcomer-\(seed)")
        var behaviour: [Address: WorkerBehaviour] = [:]
        for key in keys + [newcomer] where random.below(100) < 35 {
            behaviour[key.address] = Self.misbehaviours[random.below(Self.misbehaviours.count)]
        }
        var workers = SimulatedWorkers(keys: keys + [newcomer], behaviour: behaviour, runPercentOfLimit: Int64(10 + random.below(60)))
        let deployed = try chain.submit(.deployProgram(Fixtures.program("p-\(seed)")), by: users[0])
        let program = try #require(deployed.transactions.first?.created)
        try chain.submit(.transfer(Transfer(to: newcomer.address, amount: 200 * MicroCredit.perCredit)), by: chain.authority)

        // Phase 1: random requests and actions, random behaviour.
        for block in 0..<randomBlocks {
            var transactions = workers.due(at: chain.now + 500, chain: &chain)
            let user = users[random.below(users.count)]
            switch random.below(10) {
            case 0...3:
                transactions.append(chain.sign(.requestProof(RequestProof(
                    program: program, inputs: [Fixtures.input("in-\(block).json")],
                    resources: Resources(cpuMillicores: Int64(1 + random.below(8)) * 1_000, memoryBytes: Int64(1 + random.below(16)) * Units.gib),
                    timeLimitSeconds: Int64(2 + random.below(8)), redundancy: Int64(1 + random.below(2)), verifiers: Int64(random.below(4)))), by: user))
            case 4:
                if let open = chain.state.openTaskIDs.randomElement(using: &random), let task = chain.task(open), task.kind == .proof {
                    transactions.append(chain.sign(.cancelTask(CancelTask(task: open)), by: users.first { $0.address == task.requester } ?? users[0]))
                }
            case 5:
                transactions.append(chain.sign(.transfer(Transfer(to: users[1 - users.firstIndex { $0.address == user.address }!].address,
                                                                   amount: Int64(1 + random.below(1_000)))), by: user))
            case 6:
                let step = { (name: String, parents: [String]) in
                    WorkflowStep(name: name, program: program, inputs: parents.isEmpty ? [.file(Fixtures.input("seg"))] : parents.map { .output(ofStep: $0, path: "proof.bin") },
                                 resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 4, verifiers: Int64(random.below(3)))
                }
                transactions.append(chain.sign(.submitWorkflow(SubmitWorkflow(name: "agg", steps: [step("a", []), step("b", []), step("root", ["a", "b"])])), by: user))
            case 7 where block == 10:
                transactions.append(chain.sign(.registerWorker(RegisterWorker(capacity: Resources(cpuMillicores: 4_000, memoryBytes: 8 * Units.gib), diskBytes: 1 << 40,
                                                                              stake: 100 * MicroCredit.perCredit)), by: newcomer))
            case 8 where block == 30:
                transactions.append(chain.sign(.announceExit(AnnounceExit()), by: keys[random.below(keys.count)]))
            default:
                break
            }
            let outcome = try chain.block(transactions, interval: Int64(200 + random.below(1_300)))
            workers.observe(outcome.events, state: chain.state)
            checkInvariants(chain.state, seed: seed, block: block)
        }

        guard settle else {
            #expect(try chain.replay().stateDigest == chain.state.stateDigest, "seed \(seed): replay diverged")
            return
        }

        // Phase 2: every worker behaves; every task must end within bounded block time.
        workers.behaviour = [:]
        // Idle capacity tests keep arriving forever; the tasks that exist now must all end.
        let existing = Set(chain.state.tasks.keys)
        func open(_ state: LedgerState) -> [TaskRecord] {
            existing.compactMap { state.tasks[$0] }.filter { !$0.slots.allSatisfy(\.state.isTerminal) }
        }
        var blocks = 0
        while !open(chain.state).isEmpty && blocks < 400 {
            let outcome = try chain.block(workers.due(at: chain.now + 500, chain: &chain), interval: 500)
            workers.observe(outcome.events, state: chain.state)
            checkInvariants(chain.state, seed: seed, block: randomBlocks + blocks)
            blocks += 1
        }
        let unfinished = open(chain.state)
        #expect(unfinished.isEmpty, "seed \(seed): \(unfinished.count) tasks still open after \(blocks) blocks: \(unfinished.map { "\($0.kind) \($0.state) \($0.slots.map(\.state))" })")
        #expect(existing.compactMap { chain.state.tasks[$0] }.allSatisfy { $0.escrow == 0 }, "seed \(seed): escrow left on finished tasks")

        // Determinism: two replays from genesis reach the same state and digest.
        let first = try chain.replay()
        let second = try chain.replay()
        #expect(first == chain.state, "seed \(seed): replay diverged")
        #expect(second.stateDigest == first.stateDigest)
    }
}
