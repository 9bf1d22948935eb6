import ProvaCore

/// Transactions checked on entry and waiting for a block, in arrival order, with each sender's nonces contiguous.
/// Bounded: a full mempool refuses new work (503 with a retry hint) instead of dropping anything silently.
struct Mempool: Sendable {
    let capacity: Int
    private(set) var queue: [VerifiedTransaction] = []
    private var hashes: Set<TransactionHash> = []
    /// The next nonce each sender's new transaction must carry, counting those waiting here.
    private var nextNonce: [Address: UInt64] = [:]
    /// Each sender's waiting transactions, in nonce order.
    private var bySender: [Address: [VerifiedTransaction]] = [:]

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { queue.count }
    var isFull: Bool { queue.count >= capacity }
    func contains(_ hash: TransactionHash) -> Bool { hashes.contains(hash) }

    /// The nonce a new transaction of `sender` must carry, or nil to use the committed account nonce.
    func pendingNonce(of sender: Address) -> UInt64? { nextNonce[sender] }

    /// The transactions of `sender` waiting here, in nonce order.
    func pending(of sender: Address) -> [VerifiedTransaction] { bySender[sender] ?? [] }

    mutating func add(_ transaction: VerifiedTransaction) {
        queue.append(transaction)
        hashes.insert(transaction.hash)
        nextNonce[transaction.senderAddress] = transaction.nonce + 1
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
        var next: [Address: UInt64] = [:]
        var waiting: [Address: [VerifiedTransaction]] = [:]
        for transaction in queue {
            next[transaction.senderAddress] = transaction.nonce + 1
            waiting[transaction.senderAddress, default: []].append(transaction)
        }
        nextNonce = next
        bySender = waiting
        return orphaned
    }
}
