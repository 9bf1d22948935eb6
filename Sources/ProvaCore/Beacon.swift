import Crypto
import ProvaVRF

/// The randomness beacon of every block (docs/PROTOCOL.md "Beacon"): the proposer's ECVRF output over the previous
/// beacon and the height. Nothing in a block's contents — not its transactions, not its timestamp — goes into alpha,
/// so a proposer has exactly one valid beacon per height: it can withhold a block, never choose among beacons.
public enum Beacon: Sendable {
    /// Bytes of a beacon (an ECVRF-EDWARDS25519-SHA512-TAI output, β) and of its proof (π).
    public static let length = ECVRF.outputLength
    public static let proofLength = ECVRF.proofLength

    /// The beacon "before" block 1: SHA-512("prova/beacon/v1" ‖ 0x00 ‖ genesis hash bytes), in hex.
    public static func genesis(hash genesisHash: String) -> String {
        var message = Array("prova/beacon/v1".utf8)
        message.append(0)
        guard let hashBytes = Hex.decode(genesisHash) else { preconditionFailure("a genesis hash is hex: \(genesisHash)") }
        message += hashBytes
        return Hex.encode(SHA512.hash(data: message))
    }

    /// alpha for the beacon of block `height`: previous beacon (64 bytes) ‖ height (8 bytes, big-endian).
    public static func alpha(previous: String, height: UInt64) -> [UInt8] {
        // Beacons in the state were checked when their block was applied: anything else is a programming error.
        guard var alpha = Hex.decode(previous), alpha.count == length else { preconditionFailure("a beacon is \(length) bytes of hex: \(previous)") }
        for shift in stride(from: 56, through: 0, by: -8) { alpha.append(UInt8(truncatingIfNeeded: height >> UInt64(shift))) }
        return alpha
    }

    /// The beacon and its proof that `key` makes for block `height`, both in hex.
    public static func make(by key: AccountKey, previous: String, height: UInt64) -> (beacon: String, proof: String) {
        let proof = key.vrfProof(alpha: alpha(previous: previous, height: height))
        // A proof made with a valid key always hashes; an empty beacon would be refused by every validator.
        return (Hex.encode(ECVRF.proofToHash(proof) ?? []), Hex.encode(proof))
    }

    /// Whether `beacon` is the one output `proof` proves for block `height` under `proposer` (a public key in hex).
    public static func verify(beacon: String, proof: String, proposer: String, previous: String, height: UInt64) -> Bool {
        guard Hex.isLowercase(beacon, byteCount: length), Hex.isLowercase(proof, byteCount: proofLength),
              let publicKey = Hex.decode(proposer), publicKey.count == 32, let proofBytes = Hex.decode(proof),
              let output = ECVRF.verify(publicKey: publicKey, proof: proofBytes, alpha: alpha(previous: previous, height: height))
        else { return false }
        return Hex.encode(output) == beacon
    }
}

extension AccountKey {
    /// This key's ECVRF proof (π, RFC 9381 suite 0x03) for `alpha`.
    public func vrfProof(alpha: [UInt8]) -> [UInt8] {
        ECVRF.prove(seed: seed, alpha: alpha)
    }
}
