public import ProvaCore
public import ProvaLedger

/// A chain driven block by block in memory, as a solo validator would drive it: for tests and benchmarks.
/// It keeps every block so a test can replay the chain from genesis.
public struct TestChain: Sendable {
    public private(set) var ledger: Ledger

    /// The seed rule of this chain's ledger: the grinding tests compare the old one (`SeedRule`).
    package var seedRule: SeedRule {
        get { ledger.seedRule }
        set { ledger.seedRule = newValue }
    }
    public let genesis: Genesis
    public let authority: AccountKey
    public private(set) var blocks: [Block] = []
    public private(set) var outcomes: [BlockOutcome] = []
    /// Nonces handed out for transactions not yet in a block.
    private var nextNonce: [Address: UInt64] = [:]

    public var state: LedgerState { ledger.state }
    public var now: Milliseconds { ledger.state.lastTimestampMilliseconds }
    public var parameters: ChainParameters { genesis.parameters }

    public init(genesis: Genesis, authority: AccountKey) throws {
        self.genesis = genesis
        self.authority = authority
        ledger = try Ledger(genesis: genesis)
    }

    /// A chain with `workers` active GPU-node workers (genesis workers) and funded `users`.
    public static func make(workers: Int = 6, capacity: Resources = Fixtures.gpuNode, users: [AccountKey] = [],
                            balance: MicroCredits = 1_000 * MicroCredit.perCredit, parameters: ChainParameters = .genesisDefaults,
                            chainID: String = "prova-test") throws -> (TestChain, [AccountKey]) {
        try make(capacities: Array(repeating: capacity, count: workers), users: users, balance: balance, parameters: parameters, chainID: chainID)
    }

    /// A chain with one active genesis worker per entry of `capacities` (worker-0, worker-1, … in that order).
    public static func make(capacities: [Resources], users: [AccountKey] = [], balance: MicroCredits = 1_000 * MicroCredit.perCredit,
                            parameters: ChainParameters = .genesisDefaults, chainID: String = "prova-test") throws -> (TestChain, [AccountKey]) {
        let authority = AccountKey(deterministicFrom: "authority")
        let workerKeys = capacities.indices.map { AccountKey(deterministicFrom: "worker-\($0)") }
        let genesis = Genesis(
            chainID: chainID, timestampMilliseconds: 1_700_000_000_000, validators: [Genesis.Validator(key: authority, url: "http://127.0.0.1:8080")],
            authority: authority.address, parameters: parameters,
            // Workers hold a balance too: opting into prover sets and registering again pay transaction fees.
            accounts: ([authority] + users + workerKeys).map { Genesis.FundedAccount(address: $0.address, balance: balance) },
            workers: zip(workerKeys, capacities).map { key, capacity in
                Genesis.InitialWorker(address: key.address, capacity: capacity, diskBytes: 1 << 40, stake: parameters.minWorkerStake)
            },
            treasury: 0, capacityTestProgram: Fixtures.capacityTestProgram)
        return (try TestChain(genesis: genesis, authority: authority), workerKeys)
    }

    /// Signs `body` with the sender's next nonce (counting transactions already signed but not yet in a block).
    public mutating func sign(_ body: TransactionBody, by key: AccountKey, nonce: UInt64? = nil) -> SignedTransaction {
        let address = key.address
        let chosen = nonce ?? nextNonce[address] ?? ledger.state.nonce(of: address)
        if nonce == nil { nextNonce[address] = chosen + 1 }
        do {
            return try UnsignedTransaction(chain: genesis.identity, sender: key.publicKeyHex, nonce: chosen, body: body).signed(by: key)
        } catch {
            // Bodies a test builds are integers and strings: they always encode. Never hand out an unsigned transaction.
            preconditionFailure("could not sign \(body.kind): \(error)")
        }
    }

    /// Proposes and commits one block `interval` ms after the last; rejected transactions are left out.
    @discardableResult
    public mutating func block(_ transactions: [SignedTransaction] = [], interval: Milliseconds = 100) throws -> BlockOutcome {
        let proposal = try ledger.propose(transactions, timestampMilliseconds: now + interval, proposer: authority)
        blocks.append(proposal.block)
        outcomes.append(proposal.outcome)
        nextNonce = [:]
        return proposal.outcome
    }

    /// One transaction in its own block; throws the ledger's error if it was rejected.
    @discardableResult
    public mutating func submit(_ body: TransactionBody, by key: AccountKey, interval: Milliseconds = 100) throws -> BlockOutcome {
        let outcome = try block([sign(body, by: key)], interval: interval)
        if let rejected = outcome.rejected.first { throw rejected.error }
        return outcome
    }

    /// Empty blocks until block time has moved `milliseconds` forward, one `interval` at a time.
    public mutating func advance(_ milliseconds: Milliseconds, interval: Milliseconds = 1_000) throws -> [LedgerEvent] {
        var events: [LedgerEvent] = []
        let target = now + milliseconds
        while now < target {
            events += try block([], interval: min(interval, target - now)).events
        }
        return events
    }

    /// Replays every block from genesis through `apply` (as another validator would) and returns the final state.
    public func replay() throws -> LedgerState {
        var replica = try Ledger(genesis: genesis)
        for block in blocks { _ = try replica.apply(block) }
        return replica.state
    }

    public func task(_ id: TaskID) -> TaskRecord? { ledger.state.tasks[id] }

    /// All events committed so far.
    public var allEvents: [LedgerEvent] { outcomes.flatMap(\.events) }

    /// Transaction fees `address` has paid so far (docs/PROTOCOL.md "Transaction fees"), so a test of a task's economics
    /// can tell them from the task's own fee.
    public func transactionFeesPaid(by address: Address) -> MicroCredits {
        outcomes.flatMap(\.transactions).filter { $0.sender == address }.reduce(0) { $0 + $1.fee }
    }

    /// Deposits `address` has placed and not had back.
    public func depositsHeld(by address: Address) -> MicroCredits {
        allEvents.reduce(0) { total, event in
            guard event.account == address else { return total }
            switch event.kind {
            case .depositHeld: return total + (event.amount ?? 0)
            case .depositReturned: return total - (event.amount ?? 0)
            default: return total
            }
        }
    }

    /// What `address` has spent on transaction fees and deposits so far: everything but the fees of its tasks.
    public func overhead(of address: Address) -> MicroCredits {
        transactionFeesPaid(by: address) + depositsHeld(by: address)
    }
}
