/// The JSON bodies of the HTTP API (`/v1/…`), shared by the node and the SDK so they cannot drift apart.
/// docs/API.md describes each route; `/openapi.yaml` is the machine-readable form.

/// Every error response: `{code, message}` with a 4xx/5xx status. `message` says what to do.
public struct APIError: Codable, Sendable, Hashable, Error, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public init(code: ErrorCode, message: String) { self.code = code; self.message = message }
    public var description: String { "\(code): \(message)" }
}

public enum TransactionStatusKind: String, Codable, Sendable, Hashable {
    /// In the mempool, not yet in a block.
    case pending
    case committed
    /// Left out of a block by the proposer: the transaction failed a rule at block time. Nothing changed.
    case rejected
}

/// `POST /v1/transactions` answers this (202 when pending, 200 when committed with `?wait=commit`, 422 when rejected);
/// `GET /v1/transactions/{hash}` too.
public struct TransactionStatus: Codable, Sendable, Hashable {
    public var hash: TransactionHash
    public var status: TransactionStatusKind
    public var height: UInt64?
    public var outcome: TransactionOutcome?
    public var events: [LedgerEvent]?
    public var error: APIError?
    public var transaction: SignedTransaction?

    public init(hash: TransactionHash, status: TransactionStatusKind, height: UInt64? = nil, outcome: TransactionOutcome? = nil,
                events: [LedgerEvent]? = nil, error: APIError? = nil, transaction: SignedTransaction? = nil) {
        self.hash = hash; self.status = status; self.height = height; self.outcome = outcome; self.events = events
        self.error = error; self.transaction = transaction
    }
}

/// `GET /v1/status`.
public struct ChainStatus: Codable, Sendable, Hashable {
    public var chainID: String
    public var genesisHash: String
    public var height: UInt64
    public var lastBlockHash: String
    public var lastTimestampMilliseconds: Milliseconds
    public var stateDigest: String
    public var authority: Address
    public var capacityTestProgram: ProgramID
    public var parameters: ChainParameters
    public var mempoolSize: Int
    /// True when this node holds the authority key and serves `POST /v1/faucet` (devnets).
    public var faucet: Bool
    /// The genesis validators, and which of them the cluster currently sees alive (docs/CONSENSUS.md).
    public var validators: [ValidatorStatus]

    public init(chainID: String, genesisHash: String, height: UInt64, lastBlockHash: String, lastTimestampMilliseconds: Milliseconds,
                stateDigest: String, authority: Address, capacityTestProgram: ProgramID, parameters: ChainParameters, mempoolSize: Int, faucet: Bool,
                validators: [ValidatorStatus] = []) {
        self.validators = validators
        self.chainID = chainID; self.genesisHash = genesisHash; self.height = height; self.lastBlockHash = lastBlockHash
        self.lastTimestampMilliseconds = lastTimestampMilliseconds; self.stateDigest = stateDigest; self.authority = authority
        self.capacityTestProgram = capacityTestProgram; self.parameters = parameters; self.mempoolSize = mempoolSize; self.faucet = faucet
    }
}

/// One validator of `ChainStatus`: its key (a block header's `proposer`), its API URL, and whether it is alive.
public struct ValidatorStatus: Codable, Sendable, Hashable {
    public var publicKey: String
    public var url: String
    public var live: Bool
    public init(publicKey: String, url: String, live: Bool) { self.publicKey = publicKey; self.url = url; self.live = live }
}

/// `GET /v1/blocks` (newest first) lists these; `GET /v1/blocks/{height}` answers `BlockDetail`.
public struct BlockSummary: Codable, Sendable, Hashable {
    public var hash: String
    public var header: BlockHeader
    public var transactionCount: Int
    public var eventCount: Int
    public init(hash: String, header: BlockHeader, transactionCount: Int, eventCount: Int) {
        self.hash = hash; self.header = header; self.transactionCount = transactionCount; self.eventCount = eventCount
    }
}

public struct BlockDetail: Codable, Sendable, Hashable {
    public var hash: String
    public var block: Block
    public var outcomes: [TransactionOutcome]
    public var events: [LedgerEvent]
    public init(hash: String, block: Block, outcomes: [TransactionOutcome], events: [LedgerEvent]) {
        self.hash = hash; self.block = block; self.outcomes = outcomes; self.events = events
    }
}

/// `GET /v1/accounts/{address}`: the account (zero balance if it never received credits), the nonce to use
/// for the next transaction (counting the sender's transactions waiting in the mempool), and its worker record if any.
public struct AccountView: Codable, Sendable, Hashable {
    public var account: Account
    public var nextNonce: UInt64
    public var worker: Worker?
    public init(account: Account, nextNonce: UInt64, worker: Worker?) { self.account = account; self.nextNonce = nextNonce; self.worker = worker }
}

/// `POST /v1/faucet` (devnets only): mints credits to an address with the node's authority key.
public struct FaucetRequest: Codable, Sendable, Hashable {
    public var address: Address
    public var amount: MicroCredits
    public init(address: Address, amount: MicroCredits) { self.address = address; self.amount = amount }
}

/// `GET /v1/stats`: what no proving network publishes — throughput, latency percentiles, fulfilment, utilization.
public struct NetworkStats: Codable, Sendable, Hashable {
    public var height: UInt64
    public var tasksSubmitted: Int64
    public var tasksVerified: Int64
    public var tasksFailed: Int64
    public var fallbacks: Int64
    /// Tasks verified in the last 24 hours of block time.
    public var proofsLast24Hours: Int64
    /// Request to verified, over tasks verified in the last 24 hours (milliseconds of block time).
    public var latencyP50Milliseconds: Int64?
    public var latencyP90Milliseconds: Int64?
    public var latencyP99Milliseconds: Int64?
    /// Request to delivered (outputs downloadable).
    public var deliveryP50Milliseconds: Int64?
    /// Verified ÷ (verified + failed + expired), in percent, over all finished tasks.
    public var fulfilmentPercent: Double?
    /// Reserved ÷ declared CPU of active workers, in percent, now.
    public var utilizationPercent: Double
    public var activeWorkers: Int
    public var workersByStatus: [String: Int]
    public var tasksByState: [String: Int]
    public var capacity: Resources
    public var reserved: Resources
    public var treasury: MicroCredits
    public var burned: MicroCredits
    public var minted: MicroCredits
    public var mempoolSize: Int

    public init(height: UInt64, tasksSubmitted: Int64, tasksVerified: Int64, tasksFailed: Int64, fallbacks: Int64, proofsLast24Hours: Int64,
                latencyP50Milliseconds: Int64?, latencyP90Milliseconds: Int64?, latencyP99Milliseconds: Int64?, deliveryP50Milliseconds: Int64?,
                fulfilmentPercent: Double?, utilizationPercent: Double, activeWorkers: Int, workersByStatus: [String: Int],
                tasksByState: [String: Int], capacity: Resources, reserved: Resources, treasury: MicroCredits, burned: MicroCredits,
                minted: MicroCredits, mempoolSize: Int) {
        self.height = height; self.tasksSubmitted = tasksSubmitted; self.tasksVerified = tasksVerified; self.tasksFailed = tasksFailed
        self.fallbacks = fallbacks; self.proofsLast24Hours = proofsLast24Hours; self.latencyP50Milliseconds = latencyP50Milliseconds
        self.latencyP90Milliseconds = latencyP90Milliseconds; self.latencyP99Milliseconds = latencyP99Milliseconds
        self.deliveryP50Milliseconds = deliveryP50Milliseconds; self.fulfilmentPercent = fulfilmentPercent
        self.utilizationPercent = utilizationPercent; self.activeWorkers = activeWorkers; self.workersByStatus = workersByStatus
        self.tasksByState = tasksByState; self.capacity = capacity; self.reserved = reserved; self.treasury = treasury
        self.burned = burned; self.minted = minted; self.mempoolSize = mempoolSize
    }
}

/// `PUT /v1/blobs/{sha256}` answers this (201 created, 200 if it was already stored).
public struct BlobReceipt: Codable, Sendable, Hashable {
    public var digest: String
    public var size: ByteCount
    public var created: Bool
    public init(digest: String, size: ByteCount, created: Bool) { self.digest = digest; self.size = size; self.created = created }
}

/// One server-sent event of `GET /v1/events`: `id` is `height:index` (resume with `Last-Event-ID`), `data` a `LedgerEvent`.
public enum EventStreamID {
    public static func make(height: UInt64, index: Int) -> String { "\(height):\(index)" }

    public static func parse(_ text: String) -> (height: UInt64, index: Int)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let height = UInt64(parts[0]), let index = Int(parts[1]) else { return nil }
        return (height, index)
    }
}
