/// A verified proof's outcome that anyone can check with the chain's genesis and nothing else (docs/CONSENSUS.md
/// "Certificates"): the transactions that requested the proof, delivered it and voted on it, each with the signed
/// header of the block that committed it and the Merkle path from the transaction to that header's transactions root.
///
/// What a check establishes: blocks signed by genesis validators committed a request whose hash is the task's ID, a
/// successful result of the certified attempt naming exactly `outputs`, and `valid` reveals of that attempt by a strict
/// majority of the verifiers the request asked for, from distinct workers that are neither the prover nor the
/// requester. The ledger refuses a majority-valid verdict otherwise, so that is what "verified" means offline.
public struct ProofCertificate: Codable, Sendable, Hashable {
    public static let currentVersion = 1

    public var version: Int
    public var chainID: String
    public var genesisHash: String
    public var task: TaskID
    public var attempt: Int
    public var prover: Address
    /// The proof's files, as the result committed them.
    public var outputs: [OutputRef]
    /// The request first, then the result, then the reveals, in chain order.
    public var transactions: [CertifiedTransaction]

    public init(chainID: String, genesisHash: String, task: TaskID, attempt: Int, prover: Address, outputs: [OutputRef],
                transactions: [CertifiedTransaction]) {
        version = Self.currentVersion
        self.chainID = chainID; self.genesisHash = genesisHash; self.task = task; self.attempt = attempt; self.prover = prover
        self.outputs = outputs; self.transactions = transactions
    }
}

/// One transaction of a certificate, with the proof that a signed block committed it.
public struct CertifiedTransaction: Codable, Sendable, Hashable {
    public var transaction: SignedTransaction
    public var header: BlockHeader
    /// The proposer's signature over the header hash (`Block.signingBytes`).
    public var blockSignature: String
    /// The transaction's position in its block and the block's transaction count: the Merkle leaf and tree size.
    public var index: Int
    public var count: Int
    /// Sibling hashes from the leaf up to `header.transactionsRoot` (RFC 9162 audit path, `MerkleTree.path`).
    public var path: [String]

    public init(transaction: SignedTransaction, header: BlockHeader, blockSignature: String, index: Int, count: Int, path: [String]) {
        self.transaction = transaction; self.header = header; self.blockSignature = blockSignature
        self.index = index; self.count = count; self.path = path
    }
}

/// What `ProofCertificate.check` found: the task, the prover, the verifiers whose valid reveals it counted.
public struct CertificateReport: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var prover: Address
    public var requester: Address
    public var outputs: [OutputRef]
    public var verifiers: [Address]
    public var requestedVerifiers: Int64
    public var heights: [UInt64]
}
