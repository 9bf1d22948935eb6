import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

let user = AccountKey(deterministicFrom: "user")
let otherUser = AccountKey(deterministicFrom: "other-user")

/// A chain with six active workers, a funded user, and one deployed program.
func chainWithProgram(workers: Int = 6, parameters: ChainParameters = .genesisDefaults, capacity: Resources = Fixtures.gpuNode)
    throws -> (TestChain, [AccountKey], ProgramID) {
    var (chain, keys) = try TestChain.make(workers: workers, capacity: capacity, users: [user, otherUser], parameters: parameters)
    let outcome = try chain.submit(.deployProgram(Fixtures.program("demo")), by: user)
    let program = try #require(outcome.transactions.first?.created)
    return (chain, keys, program)
}

func proofRequest(_ program: ProgramID, cpus: Int64 = 2, memoryGiB: Int64 = 2, gpus: Int64 = 0, seconds: Seconds = 60,
                  redundancy: Int64 = 1, verifiers: Int64 = 3, proverSet: String? = nil) -> TransactionBody {
    .requestProof(RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                               resources: Resources(cpuMillicores: cpus * 1000, memoryBytes: memoryGiB * Units.gib, gpus: gpus),
                               timeLimitSeconds: seconds, redundancy: redundancy, verifiers: verifiers, proverSet: proverSet))
}

/// Submits a request and returns the new task's ID.
/// Commits a request in its own block, then the next block, in which its provers are drawn (by that block's beacon).
func request(_ chain: inout TestChain, _ body: TransactionBody, by key: AccountKey = user) throws -> TaskID {
    let outcome = try chain.submit(body, by: key)
    let id = try #require(outcome.transactions.first?.created)
    if let task = chain.task(id) { #expect(!task.attempts.contains { $0.worker != nil }, "a request's prover is drawn in a later block") }
    try chain.block()
    return id
}

func events(_ events: [LedgerEvent], _ kind: LedgerEvent.Kind, task: TaskID? = nil) -> [LedgerEvent] {
    events.filter { $0.kind == kind && (task == nil || $0.task == task) }
}

/// Asserts that a transaction is refused with `code` and that the refusal changed nothing.
func expectRefusal(_ chain: inout TestChain, _ body: TransactionBody, by key: AccountKey, code: ErrorCode,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    var ledger = chain.ledger
    let before = ledger.state
    let transaction = chain.sign(body, by: key)
    #expect(throws: LedgerError.self, sourceLocation: sourceLocation) { try ledger.check(transaction) }
    do {
        _ = try ledger.check(transaction)
    } catch let error as LedgerError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    }
    #expect(ledger.state == before, "a refused check changed the state", sourceLocation: sourceLocation)
    // Applied in a block, it is left out and the block's state equals that of an empty block.
    var empty = chain
    _ = try empty.block([])
    let outcome = try chain.block([transaction])
    #expect(outcome.rejected.first?.error.code == code, sourceLocation: sourceLocation)
    #expect(outcome.block.transactions.isEmpty, sourceLocation: sourceLocation)
    #expect(chain.state.stateDigest == empty.state.stateDigest, "a refused transaction changed the digest", sourceLocation: sourceLocation)
    #expect(chain.state == empty.state, sourceLocation: sourceLocation)
}

/// An account's balance with its transaction fees and deposits added back: what a test of a task's economics compares
/// (those are charged by their own rules, tested in `TransactionFeeTests`).
func balanceBeforeOverhead(_ chain: TestChain, _ key: AccountKey) -> MicroCredits {
    chain.state.balance(of: key.address) + chain.overhead(of: key.address)
}

/// Every transaction fee paid on the chain so far (it goes to the treasury).
func transactionFees(_ chain: TestChain) -> MicroCredits {
    chain.outcomes.flatMap(\.transactions).reduce(0) { $0 + $1.fee }
}

func expectConserved(_ state: LedgerState, sourceLocation: SourceLocation = #_sourceLocation) {
    let supply = state.supply()
    #expect(supply.isConserved, "minted \(supply.minted) != balances \(supply.balances) + escrow \(supply.escrow) + stakes \(supply.stakes) + treasury \(supply.treasury) + burned \(supply.burned)", sourceLocation: sourceLocation)
}
