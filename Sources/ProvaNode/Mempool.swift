import ProvaCore

/// Transactions checked on entry and waiting for a block, in arrival order, with each sender's nonces contiguous.
/// Bounded: a full mempool refuses new work (503 with a retry hint) instead of dropping anything silently.
struct Mempool: Sendable {
    let capacity: Int
    private(set) var queue: [VerifiedTransaction] = []
    private var hashes: Set<TransactionHash> = []
    /// Each sender's waiting transactions, in nonce order.
    private var bySender: [Address: [VerifiedTransaction]] = [:]

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { queue.count }
    var isFull: Bool { queue.count >= capacity }
    func contains(_ hash: TransactionHash) -> Bool { hashes.contains(hash) }

    /// The nonce a new transaction of `sender` must carry, or nil to use the committed account nonce.
    func pendingNonce(of sender: Address) -> UInt64? { bySender[sender]?.last.map { $0.nonce + 1 } }

    /// The transactions of `sender` waiting here, in nonce order.
    func pending(of sender: Address) -> [VerifiedTransaction] { bySender[sender] ?? [] }

    mutating func add(_ transaction: VerifiedTransaction) {
        queue.append(transaction)
        hashes.insert(transaction.hash)
        bySender[transaction.senderAddress, default: []].append(transaction)
    }

    /// Up to `limit` transactions for the next block, oldest first.
    func candidates(limit: Int) -> [VerifiedTransaction] { Array(queue.prefix(limit)) }

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
        for transaction in queue { waiting[transaction.senderAddress, default: []].append(transaction) }
        bySender = waiting
        return orphaned
    }
}
