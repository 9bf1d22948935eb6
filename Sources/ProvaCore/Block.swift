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
    /// The Merkle root of the block's transaction hashes, in order (`MerkleTree`): a certificate proves a transaction is
    /// in the block with a path to it.
    public var transactionsRoot: String
    public var stateDigest: String

    public init(height: UInt64, previousHash: String, timestampMilliseconds: Milliseconds, proposer: String, beacon: String, beaconProof: String,
                transactionsRoot: String, stateDigest: String) {
        self.height = height; self.previousHash = previousHash; self.timestampMilliseconds = timestampMilliseconds
        self.proposer = proposer; self.beacon = beacon; self.beaconProof = beaconProof
        self.transactionsRoot = transactionsRoot; self.stateDigest = stateDigest
    }

    /// SHA-256 of the canonical header.
    public var hash: String {
        CanonicalJSON.hash(of: self)
    }
}

public struct Block: Codable, Sendable, Hashable {
    public var header: BlockHeader
    public var transactions: [SignedTransaction]
    /// The proposer's Ed25519 signature (hex) over `signingBytes(headerHash:)`: who made the block, checkable by anyone
    /// holding the genesis — a certificate carries signed headers so it can be checked with no node.
    public var signature: String

    public init(header: BlockHeader, transactions: [SignedTransaction], signature: String = "") {
        self.header = header; self.transactions = transactions; self.signature = signature
    }

    public var hash: String { header.hash }

    public static let domainTag = "prova/block/v1"

    /// `"prova/block/v1"` ‖ 0x00 ‖ the header hash (32 bytes): what a proposer signs. The header names its parent, so the
    /// signature covers the chain back to the genesis.
    public static func signingBytes(headerHash: String) -> [UInt8] {
        var bytes = Array(domainTag.utf8)
        bytes.append(0)
        bytes += Hex.decode(headerHash) ?? Array(headerHash.utf8)
        return bytes
    }

    /// Whether `signature` is the header's proposer's signature over the header hash.
    public static func isSigned(_ header: BlockHeader, signature: String) -> Bool {
        Addresses.verify(signatureHex: signature, publicKeyHex: header.proposer, message: signingBytes(headerHash: header.hash))
    }

    /// The block with the proposer's signature (the key must be the header's proposer).
    public func signed(by key: AccountKey) -> Block {
        var block = self
        block.signature = key.sign(Self.signingBytes(headerHash: header.hash))
        return block
    }
}
