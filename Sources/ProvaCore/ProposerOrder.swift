import Crypto

/// Who may propose a block at a height, and from when (docs/PROTOCOL.md "Proposers"). The order is a permutation
/// of the genesis validators drawn from the beacon of the parent block: every validator computes the same one, and no
/// validator chooses it (a parent's beacon is the one ECVRF output its proposer's key gives). The validator at rank r may
/// propose a block timestamped at least r × `proposerTimeout` after its parent, so the first in the order has the
/// height to itself for one timeout, the next for another, and so on: a crashed proposer delays the chain by at most
/// one timeout per rank.
public enum ProposerOrder: Sendable {
    /// The validators (public keys, hex) in proposing order for block `height`, whose parent's beacon is `parentBeacon`:
    /// sorted by SHA-256("prova/proposer/v1" ‖ 0x00 ‖ parent beacon ‖ height (8 bytes, big-endian) ‖ public key).
    public static func order(of validators: [String], parentBeacon: String, height: UInt64) -> [String] {
        var prefix = Array("prova/proposer/v1".utf8)
        prefix.append(0)
        prefix += Hex.decode(parentBeacon) ?? Array(parentBeacon.utf8)
        for shift in stride(from: 56, through: 0, by: -8) { prefix.append(UInt8(truncatingIfNeeded: height >> UInt64(shift))) }
        let keyed = validators.map { key -> (draw: [UInt8], key: String) in
            ([UInt8](SHA256.hash(data: prefix + (Hex.decode(key) ?? Array(key.utf8)))), key)
        }
        return keyed.sorted { $0.draw.lexicographicallyPrecedes($1.draw) }.map(\.key)
    }

    /// The earliest timestamp a block by the validator at `rank` may carry: its parent's plus rank × `timeout`.
    public static func earliestTimestamp(rank: Int, parentTimestamp: Milliseconds, timeout: Milliseconds) -> Milliseconds {
        parentTimestamp + Milliseconds(rank) * timeout
    }
}
