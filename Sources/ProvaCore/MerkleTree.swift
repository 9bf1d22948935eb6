import Crypto

/// The Merkle tree of a block's transactions (RFC 9162 §2.1, the Certificate Transparency tree): a leaf is
/// SHA-256(0x00 ‖ transaction hash bytes), an inner node SHA-256(0x01 ‖ left ‖ right), a list of n > 1 leaves splits at
/// the largest power of two below n, and the empty list hashes to SHA-256(""). The prefixes keep a leaf from passing for
/// a node, so an inclusion path proves exactly one transaction at one position; a certificate carries such paths
/// (`prova proof certificate`) so that a transaction can be shown to be in a signed block without the whole block.
public enum MerkleTree: Sendable {
    /// The root of `hashes` (hex SHA-256 transaction hashes, in block order), in hex.
    public static func root(of hashes: [TransactionHash]) -> String {
        Hex.encode(root(leaves: hashes.map(leafHash)))
    }

    /// The inclusion path of the leaf at `index` (siblings from the leaf up, hex), or nil when `index` is outside the list.
    public static func path(forLeafAt index: Int, of hashes: [TransactionHash]) -> [String]? {
        guard hashes.indices.contains(index) else { return nil }
        return path(index, hashes.map(leafHash)[...]).map(Hex.encode)
    }

    /// Whether `path` proves that `leaf` is the transaction at `index` of a list of `count` whose root is `root`
    /// (RFC 9162 §2.1.3.2).
    public static func verify(leaf: TransactionHash, index: Int, count: Int, path: [String], root: String) -> Bool {
        guard index >= 0, index < count else { return false }
        var node = leafHash(leaf)
        var position = index
        var last = count - 1
        for siblingHex in path {
            guard last > 0, let sibling = Hex.decode(siblingHex), sibling.count == 32 else { return false }
            if position & 1 == 1 || position == last {
                node = nodeHash(sibling, node)
                if position & 1 == 0 {
                    while position & 1 == 0 && position != 0 { position >>= 1; last >>= 1 }
                }
            } else {
                node = nodeHash(node, sibling)
            }
            position >>= 1
            last >>= 1
        }
        return last == 0 && Hex.encode(node) == root
    }

    static func leafHash(_ transaction: TransactionHash) -> [UInt8] {
        // Transaction hashes are checked hex before they reach a block; an undecodable one hashes as its UTF-8 text,
        // which no real transaction hash matches.
        [UInt8](SHA256.hash(data: [0] + (Hex.decode(transaction) ?? Array(transaction.utf8))))
    }

    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        [UInt8](SHA256.hash(data: [1] + left + right))
    }

    private static func root(leaves: [[UInt8]]) -> [UInt8] {
        guard !leaves.isEmpty else { return [UInt8](SHA256.hash(data: [UInt8]())) }
        return subtreeRoot(leaves[...])
    }

    private static func subtreeRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        guard leaves.count > 1 else { return leaves[leaves.startIndex] }
        let split = leaves.startIndex + largestPowerOfTwo(below: leaves.count)
        return nodeHash(subtreeRoot(leaves[..<split]), subtreeRoot(leaves[split...]))
    }

    private static func path(_ index: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let half = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + half
        if index < half {
            return path(index, leaves[..<split]) + [subtreeRoot(leaves[split...])]
        }
        return path(index - half, leaves[split...]) + [subtreeRoot(leaves[..<split])]
    }

    /// The largest power of two strictly below `count` (count ≥ 2).
    private static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }
}
