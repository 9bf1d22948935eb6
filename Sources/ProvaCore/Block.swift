/// A block header (DESIGN §4). `stateDigest` is the running hash of every state change after applying
/// this block, so validators that diverge notice at once.
public struct BlockHeader: Codable, Sendable, Hashable {
    public var height: UInt64
    public var previousHash: String
    public var timestampMilliseconds: Milliseconds
    /// The proposer's Ed25519 public key (hex): one of the genesis validators.
    public var proposer: String
    /// The proposer's ECVRF output (64 bytes, hex) over the previous beacon and the height (`Beacon`): the randomness
    /// of every draw this block makes.
    public var beacon: String
    /// The ECVRF proof (80 bytes, hex) of `beacon` under `proposer`.
    public var beaconProof: String
    public var transactionsHash: String
    public var stateDigest: String

    public init(height: UInt64, previousHash: String, timestampMilliseconds: Milliseconds, proposer: String, beacon: String, beaconProof: String,
                transactionsHash: String, stateDigest: String) {
        self.height = height; self.previousHash = previousHash; self.timestampMilliseconds = timestampMilliseconds
        self.proposer = proposer; self.beacon = beacon; self.beaconProof = beaconProof
        self.transactionsHash = transactionsHash; self.stateDigest = stateDigest
    }

    /// SHA-256 of the canonical header.
    public var hash: String {
        CanonicalJSON.hash(of: self)
    }
}

public struct Block: Codable, Sendable, Hashable {
    public var header: BlockHeader
    public var transactions: [SignedTransaction]

    public init(header: BlockHeader, transactions: [SignedTransaction]) {
        self.header = header; self.transactions = transactions
    }

    public var hash: String { header.hash }

    /// SHA-256 over the transaction hashes in order.
    public static func transactionsHash(_ hashes: [TransactionHash]) -> String {
        SHA256Hex.of(hashes.joined(separator: ","))
    }
}
