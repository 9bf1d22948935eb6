import HTTPTypes
import ProvaCore

/// Transactions checked on entry and waiting for a block, in arrival order, with each sender's nonces contiguous.
/// Bounded, and fair under a flood (docs/API.md "Fairness"):
/// - **Two lanes.** Worker duties (the free kinds: accept, decline, result, vote, exit) have room of their own, so a
///   flood of other transactions can never make an honest worker miss its window; they are admitted only for work the
///   chain assigned, so they cannot be flooded themselves.
/// - **A quota per sender** in the general lane: one key cannot take the room of everyone else.
/// - **Duties first in blocks** (within each sender's nonce order).
/// A full lane or an exhausted quota refuses new work (503 with a retry hint) instead of dropping anything silently.
struct Mempool: Sendable {
    /// Room in the general lane, in the duty lane, and for one sender's general transactions.
    let capacity: Int
    let dutyCapacity: Int
    let senderQuota: Int
    private(set) var queue: [VerifiedTransaction] = []
    private var hashes: Set<TransactionHash> = []
    /// Each sender's waiting transactions, in nonce order.
    private var bySender: [Address: [VerifiedTransaction]] = [:]
    private var generalCount = 0
    private var dutyCount = 0
    /// How many waiting transactions name each blob: such a blob may be uploaded by anyone, and is never collected.
    private var blobReferences: [String: Int] = [:]

    init(capacity: Int, dutyCapacity: Int, senderQuota: Int) {
        self.capacity = capacity
        self.dutyCapacity = dutyCapacity
        self.senderQuota = senderQuota
    }

    var count: Int { queue.count }
    func contains(_ hash: TransactionHash) -> Bool { hashes.contains(hash) }
    func references(blob digest: String) -> Bool { blobReferences[digest] != nil }
    var referencedBlobs: Set<String> { Set(blobReferences.keys) }

    /// Whether a transaction is a worker's duty, which travels in the duty lane.
    static func isDuty(_ transaction: VerifiedTransaction) -> Bool { transaction.body.kind.isFree }

    /// Why `transaction` cannot wait here now, or nil when it has room.
    func refusal(for transaction: VerifiedTransaction) -> NodeError? {
        if Self.isDuty(transaction) {
            guard dutyCount < dutyCapacity else {
                return NodeError(.serviceUnavailable, .mempoolFull, "the mempool's room for worker duties is full (\(dutyCount)); retry in a second",
                                 headers: [.retryAfter: "1"])
            }
            return nil
        }
        guard generalCount < capacity else {
            return NodeError(.serviceUnavailable, .mempoolFull, "the mempool holds \(generalCount) transactions; retry in a second",
                             headers: [.retryAfter: "1"])
        }
        let waiting = bySender[transaction.senderAddress]?.count(where: { !Self.isDuty($0) }) ?? 0
        guard waiting < senderQuota else {
            return NodeError(.serviceUnavailable, .senderQuotaExceeded,
                             "\(transaction.senderAddress) already has \(waiting) transactions waiting (the limit per sender); retry once some are in a block",
                             headers: [.retryAfter: "1"])
        }
        return nil
    }

    /// The nonce a new transaction of `sender` must carry, or nil to use the committed account nonce.
    func pendingNonce(of sender: Address) -> UInt64? { bySender[sender]?.last.map { $0.nonce + 1 } }

    /// The transactions of `sender` waiting here, in nonce order.
    func pending(of sender: Address) -> [VerifiedTransaction] { bySender[sender] ?? [] }

    mutating func add(_ transaction: VerifiedTransaction) {
        queue.append(transaction)
        hashes.insert(transaction.hash)
        bySender[transaction.senderAddress, default: []].append(transaction)
        if Self.isDuty(transaction) { dutyCount += 1 } else { generalCount += 1 }
        for digest in transaction.body.referencedBlobs { blobReferences[digest, default: 0] += 1 }
    }

    /// Up to `limit` transactions for the next block: worker duties first (each sender's leading duties, so its nonces
    /// stay in order), then everything else, oldest first.
    func candidates(limit: Int) -> [VerifiedTransaction] {
        var chosen: [VerifiedTransaction] = []
        chosen.reserveCapacity(min(limit, queue.count))
        var taken = Set<TransactionHash>()
        var sendersWithGeneral = Set<Address>()
        for transaction in queue where chosen.count < limit {
            if Self.isDuty(transaction), !sendersWithGeneral.contains(transaction.senderAddress) {
                chosen.append(transaction)
                taken.insert(transaction.hash)
            } else {
                sendersWithGeneral.insert(transaction.senderAddress)
            }
        }
        for transaction in queue where chosen.count < limit && !taken.contains(transaction.hash) {
            chosen.append(transaction)
        }
        return chosen
    }

    /// Removes the transactions a block included or rejected. A sender whose transaction was rejected loses its
    /// later transactions too (their nonces can no longer follow); they are returned so their submitters learn why.
    mutating func remove(included: Set<TransactionHash>, rejected: Set<TransactionHash>) -> [VerifiedTransaction] {
        var brokenSenders = Set<Address>()
        for transaction in queue where rejected.contains(transaction.hash) { brokenSenders.insert(transaction.senderAddress) }
        var orphaned: [VerifiedTransaction] = []
        queue.removeAll { transaction in
            if included.contains(transaction.hash) || rejected.contains(transaction.hash) { return true }
            if brokenSenders.contains(transaction.senderAddress) {
                orphaned.append(transaction)
                return true
            }
            return false
        }
        hashes = Set(queue.map(\.hash))
        var waiting: [Address: [VerifiedTransaction]] = [:]
        dutyCount = 0
        generalCount = 0
        blobReferences = [:]
        for transaction in queue {
            waiting[transaction.senderAddress, default: []].append(transaction)
            if Self.isDuty(transaction) { dutyCount += 1 } else { generalCount += 1 }
            for digest in transaction.body.referencedBlobs { blobReferences[digest, default: 0] += 1 }
        }
        bySender = waiting
        return orphaned
    }
}
