import Foundation
public import ProvaCore
import ProvaLedger

/// What the fuzz target (`prova-fuzz`, libFuzzer) and the extreme-value property tests run: an input is decoded as a
/// list of transactions, each signed by one of a few known keys, checked on entry as a node would, put in a block by a
/// proposer and applied by a follower, on a small chain with honest workers answering. Nothing a sender controls may
/// trap: a bad transaction is refused, never a crash. What is checked after every block, and traps when broken — which
/// is what the fuzzer looks for: the follower reaches the proposer's state digest, and credits are conserved.
public enum FuzzHarness {
    /// One transaction of an input. `sender` picks a key (0 the authority, 1 the user, 2… the workers; any integer works),
    /// `nonce` defaults to the sender's next one. References the fuzzer could never guess are resolved: a task,
    /// workflow or program given as the digest of `"task-N"`, `"workflow-N"` or `"program-N"` means the N-th one on the
    /// chain (see `reference`).
    public struct Case: Codable, Sendable {
        public var sender: Int
        public var nonce: UInt64?
        public var body: TransactionBody

        public init(sender: Int, nonce: UInt64? = nil, body: TransactionBody) {
            self.sender = sender; self.nonce = nonce; self.body = body
        }
    }

    /// The digest that stands for the N-th task (`"task"`), workflow or program of the chain.
    public static func reference(_ kind: String, _ index: Int) -> String { SHA256Hex.of("\(kind)-\(index)") }

    static let keys: [AccountKey] = [AccountKey(deterministicFrom: "authority"), AccountKey(deterministicFrom: "fuzz-user")]
        + (0..<4).map { AccountKey(deterministicFrom: "worker-\($0)") }

    /// A chain with four workers, a funded user, a deployed program and one task in flight.
    static let base: TestChain = {
        do {
            var (chain, workerKeys) = try TestChain.make(workers: 4, users: [keys[1]])
            var workers = SimulatedWorkers(keys: workerKeys)
            _ = try chain.submit(.deployProgram(Fixtures.program("fuzz")), by: keys[1])
            let request = RequestProof(program: Fixtures.program("fuzz").programID, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)
            _ = try chain.submit(.requestProof(request), by: keys[1])
            // Its prover is drawn in the next block, by that block's beacon.
            let drawn = try chain.block()
            workers.observe(drawn.events, state: chain.state)
            return chain
        } catch {
            preconditionFailure("the fuzz harness's chain could not be built: \(error)")
        }
    }()

    /// Runs one input and returns how many of its transactions were committed. Returns normally whatever the input
    /// is; traps only when the ledger breaks an invariant.
    @discardableResult
    public static func run(_ bytes: [UInt8]) -> Int {
        let data = Data(bytes)
        if let cases = try? JSONDecoder().decode([Case].self, from: data) {
            return run(cases)
        } else if let transaction = try? JSONDecoder().decode(SignedTransaction.self, from: data) {
            // A raw signed transaction: decoding, the signature and shape checks, and a block with it.
            var chain = base
            var ledger = chain.ledger
            _ = try? ledger.check(transaction)
            return step(&chain, [transaction])
        }
        return 0
    }

    /// Runs cases in order: each is signed and checked on entry; those admitted go into the next block; honest
    /// workers answer what the blocks ask; a few more blocks let deadlines pass. Returns how many of the cases' own
    /// transactions were committed.
    @discardableResult
    public static func run(_ cases: [Case]) -> Int {
        var chain = base
        var workers = SimulatedWorkers(keys: Array(keys.dropFirst(2)))
        for outcome in chain.outcomes { workers.observe(outcome.events, state: chain.state) }
        var pending: [SignedTransaction] = []
        var committed = 0
        for item in cases.prefix(64) {
            let key = keys[Int(item.sender.magnitude % UInt(keys.count))]
            let transaction = chain.sign(resolve(item.body, in: chain.state), by: key, nonce: item.nonce)
            var ledger = chain.ledger
            // Check-on-entry as a node runs it (after the sender's transactions already waiting); what it refuses never
            // reaches a block.
            if let verified = try? ledger.verify(transaction) {
                let waiting = pending.compactMap { try? ledger.verify($0) }.filter { $0.senderAddress == verified.senderAddress }
                if (try? ledger.check(verified: verified, after: waiting)) != nil { pending.append(transaction) }
            }
            if pending.count >= 8 {
                let block = step(&chain, pending + workers.due(at: chain.now + 500, chain: &chain), workers: &workers)
                committed += block.transactions.filter(pending.contains).count
                pending = []
            }
        }
        let block = step(&chain, pending + workers.due(at: chain.now + 500, chain: &chain), workers: &workers)
        committed += block.transactions.filter(pending.contains).count
        for interval: Milliseconds in [3_500, 30_000, 700_000] {
            step(&chain, workers.due(at: chain.now + interval, chain: &chain), interval: interval, workers: &workers)
        }
        return committed
    }

    private static func step(_ chain: inout TestChain, _ transactions: [SignedTransaction], interval: Milliseconds = 500) -> Int {
        var none = SimulatedWorkers(keys: [])
        return step(&chain, transactions, interval: interval, workers: &none).transactions.count
    }

    /// One block by the proposer, applied by a follower that must agree; credits must be conserved. Returns the block.
    @discardableResult
    private static func step(_ chain: inout TestChain, _ transactions: [SignedTransaction], interval: Milliseconds = 500,
                             workers: inout SimulatedWorkers) -> Block {
        var follower = chain.ledger
        let outcome: BlockOutcome
        do {
            outcome = try chain.block(transactions, interval: interval)
        } catch {
            // The proposer leaves out what fails; a block it cannot build at all is a ledger bug.
            preconditionFailure("the proposer could not build a block: \(error)")
        }
        do {
            _ = try follower.apply(outcome.block)
        } catch {
            preconditionFailure("a follower refused the proposer's block \(outcome.block.header.height): \(error)")
        }
        precondition(follower.state.stateDigest == chain.state.stateDigest, "a follower diverged from the proposer")
        let supply = chain.state.supply()
        precondition(supply.isConserved, "credits not conserved after block \(chain.state.height): \(supply)")
        workers.observe(outcome.events, state: chain.state)
        return outcome.block
    }

    /// Replaces references the fuzzer cannot guess with what they stand for on `state` (see `Case`).
    static func resolve(_ body: TransactionBody, in state: LedgerState) -> TransactionBody {
        let tasks = state.tasks.values.sorted { $0.sequence < $1.sequence }.map(\.id)
        let workflows = state.workflows.keys.sorted()
        let programs = state.programs.keys.sorted()
        func task(_ id: TaskID) -> TaskID { pick(id, "task", tasks) }
        func program(_ id: ProgramID) -> ProgramID { pick(id, "program", programs) }
        switch body {
        case .acceptTask(var accept): accept.task = task(accept.task); return .acceptTask(accept)
        case .declineTask(var decline): decline.task = task(decline.task); return .declineTask(decline)
        case .submitResult(var result): result.task = task(result.task); return .submitResult(result)
        case .commitVote(var vote): vote.task = task(vote.task); return .commitVote(vote)
        case .revealVote(var vote): vote.task = task(vote.task); return .revealVote(vote)
        case .cancelTask(var cancel):
            cancel.task = cancel.task.map(task)
            cancel.workflow = cancel.workflow.map { pick($0, "workflow", workflows) }
            return .cancelTask(cancel)
        case .requestProof(var request): request.program = program(request.program); return .requestProof(request)
        case .requestVerification(var request): request.program = program(request.program); return .requestVerification(request)
        case .blockProgram(var block): block.program = program(block.program); return .blockProgram(block)
        case .retireProgram(var retire): retire.program = program(retire.program); return .retireProgram(retire)
        case .submitWorkflow(var workflow):
            for index in workflow.steps.indices { workflow.steps[index].program = program(workflow.steps[index].program) }
            return .submitWorkflow(workflow)
        default: return body
        }
    }

    private static func pick(_ value: String, _ kind: String, _ known: [String]) -> String {
        for (index, id) in known.enumerated() where value == reference(kind, index) { return id }
        return value
    }

    /// The committed seed corpus: one input per transaction kind (and a raw signed transaction), each valid on the
    /// harness's chain, so the fuzzer starts from inputs that reach every rule.
    public static func seedCorpus() -> [(name: String, bytes: [UInt8])] {
        let task = reference("task", 0)
        let program = reference("program", 1)
        let worker = keys[2].address
        let resources = Resources(cpuMillicores: 1_000, memoryBytes: Units.gib)
        let input = Fixtures.input("input.json")
        let step = WorkflowStep(name: "a", program: program, inputs: [.file(input)], resources: resources, timeLimitSeconds: 30)
        // Every worker tries: only the one the task was assigned to is admitted.
        let accept = (2..<6).map { Case(sender: $0, body: .acceptTask(AcceptTask(task: task, attempt: 1))) }
        let result = (2..<6).map { Case(sender: $0, body: .submitResult(SubmitResult(task: task, attempt: 1, exitCode: 0,
                                                                                   outputs: [OutputRef(path: "proof.bin", digest: input.digest, size: 5)]))) }
        let cases: [(String, [Case])] = [
            ("transfer", [Case(sender: 1, body: .transfer(Transfer(to: worker, amount: 5)))]),
            ("mint", [Case(sender: 0, body: .mint(Mint(to: keys[1].address, amount: 1_000, memo: "fuzz")))]),
            ("deploy", [Case(sender: 1, body: .deployProgram(Fixtures.program("seed")))]),
            ("request", [Case(sender: 1, body: .requestProof(RequestProof(program: program, inputs: [input], resources: resources, timeLimitSeconds: 60,
                                                                          redundancy: 2, verifiers: 3, maxFee: 1_000_000)))]),
            ("verify-only", [Case(sender: 1, body: .requestVerification(RequestVerification(program: program, inputs: [input],
                                                                                          proof: [Fixtures.input("proof.bin")], verifiers: 3)))]),
            ("workflow", [Case(sender: 1, body: .submitWorkflow(SubmitWorkflow(name: "seed", steps: [
                step, WorkflowStep(name: "b", program: program, inputs: [.output(ofStep: "a", path: "proof.bin")], resources: resources,
                                   timeLimitSeconds: 30)])))]),
            ("cancel", [Case(sender: 1, body: .cancelTask(CancelTask(task: task)))]),
            // Every worker tries (a busy one may not re-register).
            ("register", (2..<6).map { Case(sender: $0, body: .registerWorker(RegisterWorker(capacity: Fixtures.cpuNode, diskBytes: 1 << 40,
                                                                                           labels: ["zone": "a"], stake: 1_000))) }),
            ("exit", [Case(sender: 3, body: .announceExit(AnnounceExit()))]),
            ("accept", accept),
            ("decline", (2..<6).map { Case(sender: $0, body: .declineTask(DeclineTask(task: task, attempt: 1, reason: "busy"))) }),
            ("result", accept + result),
            // Accepted and delivered in the first block; the verifiers drawn at its end vote in the next.
            // A commitment then its reveal (the reveal is refused: the commitment was made before the task's ID was known).
            ("vote", accept + result + (2..<6).flatMap { sender -> [Case] in
                let ballot = Ballot(task: task, attempt: 1, verdict: .valid, transcript: VoteTranscript(claiming: .valid, checked: input.digest),
                                    salt: SHA256Hex.of("fuzz-salt"))
                let commit = CommitVote(task: task, attempt: 1, commitment: SHA256Hex.of("fuzz-commitment:\(sender)"))
                return [Case(sender: sender, body: .commitVote(commit)), Case(sender: sender, body: .revealVote(ballot.reveal))]
            }),
            ("prover-set", [Case(sender: 1, body: .createProverSet(CreateProverSet(name: "seed", members: [worker], labels: ["zone": "a"]))),
                            Case(sender: 2, body: .joinProverSet(JoinProverSet(name: "seed"))),
                            Case(sender: 1, body: .retireProverSet(RetireProverSet(name: "seed")))]),
            ("block-program", [Case(sender: 0, body: .blockProgram(BlockProgram(program: program, reason: "seed")))]),
            ("retire-program", [Case(sender: 1, body: .retireProgram(RetireProgram(program: program)))]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var corpus: [(name: String, bytes: [UInt8])] = cases.compactMap { name, cases in
            (try? encoder.encode(cases)).map { (name, Array($0)) }
        }
        var chain = base
        let raw = chain.sign(.transfer(Transfer(to: worker, amount: 1)), by: keys[1])
        if let bytes = try? encoder.encode(raw) { corpus.append(("raw-signed", Array(bytes))) }
        return corpus
    }
}
