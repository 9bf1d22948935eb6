import Crypto

/// ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5, suite 0x03) on Ed25519 keys.
///
/// Not constant-time: intended for public values such as block beacons, where the prover's
/// timing is not a secret worth protecting. Verification is exact and never traps on any input.
public enum ECVRF: Sendable {
    public static let proofLength = 80   // pi: Gamma (32) ‖ c (16) ‖ s (32)
    public static let outputLength = 64  // beta

    static let suiteString: UInt8 = 0x03
    static let challengeLength = 16

    /// pi for `alpha` under the Ed25519 secret key given as its 32-byte RFC 8032 seed (the same seed as CryptoKit's Curve25519.Signing.PrivateKey rawRepresentation).
    /// Returns an empty array when the seed is not 32 bytes (or, with probability about 2^−256, when no counter value
    /// yields a curve point); such an empty "proof" never verifies.
    public static func prove(seed: [UInt8], alpha: [UInt8]) -> [UInt8] {
        guard let key = SecretKey(seed: seed) else { return [] }
        let publicKey = key.publicKey.encoding
        guard let h = encodeToCurve(publicKey: publicKey, alpha: alpha) else { return [] }
        let gamma = h.multiplied(by: key.scalar)
        // §5.4.2.2: k = SHA-512(second half of SHA-512(SK) ‖ point_to_string(H)) mod L.
        let hString = h.encoding
        let k = Scalar.reducing(sha512(key.nonceKey, hString))
        let u = EdwardsPoint.basepointMultiple(k)
        let v = h.multiplied(by: k)
        let encoded = EdwardsPoint.encodings([gamma, u, v])
        let cBytes = challenge(publicKey, hString, encoded[0], encoded[1], encoded[2])
        let c = Scalar.reducing(cBytes)
        let s = Scalar.multiplyAdd(c, key.scalar, k)
        return encoded[0] + cBytes + s.bytes
    }

    /// beta = proof_to_hash(pi), or nil when pi is malformed (wrong length, non-canonical Gamma, s >= L).
    public static func proofToHash(_ proof: [UInt8]) -> [UInt8]? {
        guard let decoded = DecodedProof(proof) else { return nil }
        return hashOutput(cofactorGammaEncoding: decoded.gamma.multipliedByCofactor().encoding)
    }

    /// beta when pi is a valid proof for alpha under the 32-byte public key, nil otherwise (RFC 9381 §5.3, with validate_key: reject non-canonical and small-order public keys).
    public static func verify(publicKey: [UInt8], proof: [UInt8], alpha: [UInt8]) -> [UInt8]? {
        // Decoding rejects wrong lengths, y ≥ p and x = 0 with the sign bit set; validate_key (§5.4.5) rejects small order.
        guard let y = EdwardsPoint(encoding: publicKey), !y.multipliedByCofactor().isIdentity else { return nil }
        guard let decoded = DecodedProof(proof) else { return nil }
        guard let h = encodeToCurve(publicKey: publicKey, alpha: alpha) else { return nil }
        // U = s·B − c·Y, V = s·H − c·Gamma.
        let u = EdwardsPoint.basepointMultiple(decoded.s) + y.negated().multiplied(by: decoded.c)
        let v = EdwardsPoint.doubleScalarMultiple(decoded.s, h, decoded.c, decoded.gamma.negated())
        let encoded = EdwardsPoint.encodings([h, u, v, decoded.gamma.multipliedByCofactor()])
        // Both the public key and Gamma decoded canonically, so their input bytes are their point_to_string.
        let expected = challenge(publicKey, encoded[0], Array(proof[0..<32]), encoded[1], encoded[2])
        guard expected == decoded.cBytes else { return nil }
        return hashOutput(cofactorGammaEncoding: encoded[3])
    }

    /// Whether `publicKey` passes RFC 9381's validate_key: a canonical encoding of a point that is not of small order.
    public static func isValidPublicKey(_ publicKey: [UInt8]) -> Bool {
        guard let y = EdwardsPoint(encoding: publicKey) else { return false }
        return !y.multipliedByCofactor().isIdentity
    }

    /// The 32-byte public key of a seed (must equal the Ed25519 public key of RFC 8032 for that seed).
    /// Returns an empty array when the seed is not 32 bytes.
    public static func publicKey(seed: [UInt8]) -> [UInt8] {
        SecretKey(seed: seed)?.publicKey.encoding ?? []
    }

    // MARK: RFC 9381 building blocks

    /// ECVRF_encode_to_curve_try_and_increment (§5.4.1.1) with encode_to_curve_salt = PK_string:
    /// the first counter value for which SHA-512(suite ‖ 0x01 ‖ PK ‖ alpha ‖ ctr ‖ 0x00)[0..<32]
    /// decodes to a point whose cofactor multiple is not the identity. nil if none of 0…255 does.
    static func encodeToCurve(publicKey: [UInt8], alpha: [UInt8]) -> EdwardsPoint? {
        var input = [suiteString, 0x01] + publicKey + alpha + [0x00, 0x00]
        let counterIndex = input.count - 2
        for counter in 0...255 {
            input[counterIndex] = UInt8(counter)
            let digest = sha512(input)
            if let point = EdwardsPoint(encoding: Array(digest[0..<32])) {
                let h = point.multipliedByCofactor()
                if !h.isIdentity { return h }
            }
        }
        return nil
    }

    /// ECVRF_challenge_generation (§5.4.3) over the encodings of Y, H, Gamma, U, V: the first 16 bytes of
    /// SHA-512(suite ‖ 0x02 ‖ P1 ‖ … ‖ P5 ‖ 0x00).
    static func challenge(_ points: [UInt8]...) -> [UInt8] {
        var input = [suiteString, 0x02]
        for p in points { input += p }
        input.append(0x00)
        return Array(sha512(input)[0..<challengeLength])
    }

    /// proof_to_hash (§5.2): SHA-512(suite ‖ 0x03 ‖ point_to_string(cofactor·Gamma) ‖ 0x00).
    static func hashOutput(cofactorGammaEncoding: [UInt8]) -> [UInt8] {
        sha512([suiteString, 0x03], cofactorGammaEncoding, [0x00])
    }

    static func sha512(_ parts: [UInt8]...) -> [UInt8] {
        var hasher = SHA512()
        for part in parts {
            part.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return Array(hasher.finalize())
    }

    /// The expanded RFC 8032 secret key: x = clamped SHA-512(seed)[0..<32] (reduced mod L, which leaves x·P unchanged
    /// for every P of order L), the nonce key SHA-512(seed)[32..<64], and Y = x·B.
    struct SecretKey {
        let scalar: Scalar
        let nonceKey: [UInt8]
        let publicKey: EdwardsPoint

        init?(seed: [UInt8]) {
            guard seed.count == 32 else { return nil }
            let digest = ECVRF.sha512(seed)
            var clamped = Array(digest[0..<32])
            clamped[0] &= 248
            clamped[31] &= 127
            clamped[31] |= 64
            scalar = Scalar.reducing(clamped)
            nonceKey = Array(digest[32..<64])
            publicKey = EdwardsPoint.basepointMultiple(scalar)
        }
    }

    /// ECVRF_decode_proof (§5.4.4): Gamma must decode canonically and s must be below L.
    struct DecodedProof {
        let gamma: EdwardsPoint
        let cBytes: [UInt8]
        let c: Scalar
        let s: Scalar

        init?(_ proof: [UInt8]) {
            guard proof.count == ECVRF.proofLength,
                  let gamma = EdwardsPoint(encoding: Array(proof[0..<32])),
                  let s = Scalar(canonical: proof, offset: 48)
            else { return nil }
            self.gamma = gamma
            cBytes = Array(proof[32..<48])
            c = Scalar.reducing(cBytes) // 128 bits: already below L
            self.s = s
        }
    }
}
