import Crypto
@testable import ProvaVRF
import ProvaCore
import Testing

/// One ECVRF-EDWARDS25519-SHA512-TAI example of RFC 9381 Appendix B.3 (hex as printed there).
struct RFC9381Vector: Sendable, CustomTestStringConvertible {
    let example: Int
    let sk: String
    let pk: String
    let alpha: String
    let x: String
    let ctr: Int
    let h: String
    let k: String
    let u: String
    let v: String
    let pi: String
    let beta: String

    var testDescription: String { "Example \(example)" }

    static let all: [RFC9381Vector] = [
        RFC9381Vector(
            example: 16,
            sk: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            pk: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            alpha: "",
            x: "307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f",
            ctr: 0,
            h: "91bbed02a99461df1ad4c6564a5f5d829d0b90cfc7903e7a5797bd658abf3318",
            k: "7100f3d9eadb6dc4743b029736ff283f5be494128df128df2817106f345b8594"
                + "b6d6da2d6fb0b4c0257eb337675d96eab49cf39e66cc2c9547c2bf8b2a6afae4",
            u: "aef27c725be964c6a9bf4c45ca8e35df258c1878b838f37d9975523f09034071",
            v: "5016572f71466c646c119443455d6cb9b952f07d060ec8286d678615d55f954f",
            pi: "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f"
                + "26f8a57ccaed74ee1b190bed1f479d9727d2d0f9b005a6e456a35d4fb0daab12"
                + "68a1b0db10836d9826a528ca76567805",
            beta: "90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff"
                + "66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae"
        ),
        RFC9381Vector(
            example: 17,
            sk: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            pk: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            alpha: "72",
            x: "68bd9ed75882d52815a97585caf4790a7f6c6b3b7f821c5e259a24b02e502e51",
            ctr: 1,
            h: "5b659fc3d4e9263fd9a4ed1d022d75eaacc20df5e09f9ea937502396598dc551",
            k: "42589bbf0c485c3c91c1621bb4bfe04aed7be76ee48f9b00793b2342acb9c167"
                + "cab856f9f9d4febc311330c20b0a8afd3743d05433e8be8d32522ecdc16cc5ce",
            u: "1dcb0a4821a2c48bf53548228b7f170962988f6d12f5439f31987ef41f034ab3",
            v: "fd03c0bf498c752161bae4719105a074630a2aa5f200ff7b3995f7bfb1513423",
            pi: "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed593"
                + "3bf0864a62558b3ed7f2fea45c92a465301b3bbf5e3e54ddf2d935be3b67926d"
                + "a3ef39226bbc355bdc9850112c8f4b02",
            beta: "eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb"
                + "5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc57663b56373a5031"
        ),
        RFC9381Vector(
            example: 18,
            sk: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            pk: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            alpha: "af82",
            x: "909a8b755ed902849023a55b15c23d11ba4d7f4ec5c2f51b1325a181991ea95c",
            ctr: 0,
            h: "bf4339376f5542811de615e3313d2b36f6f53c0acfebb482159711201192576a",
            k: "38b868c335ccda94a088428cbf3ec8bc7955bfaffe1f3bd2aa2c59fc31a0febc"
                + "59d0e1af3715773ce11b3bbdd7aba8e3505d4b9de6f7e4a96e67e0d6bb6d6c3a",
            u: "2bae73e15a64042fcebf062abe7e432b2eca6744f3e8265bc38e009cd577ecd5",
            v: "88cba1cb0d4f9b649d9a86026b69de076724a93a65c349c988954f0961c5d506",
            pi: "9bc0f79119cc5604bf02d23b4caede71393cedfbb191434dd016d30177ccbf80"
                + "96bb474e53895c362d8628ee9f9ea3c0e52c7a5c691b6c18c9979866568add7a"
                + "2d41b00b05081ed0f58ee5e31b3a970e",
            beta: "645427e5d00c62a23fb703732fa5d892940935942101e456ecca7bb217c61c45"
                + "2118fec1219202a0edcf038bb6373241578be7217ba85a2687f7a0310b2df19f"
        ),
    ]
}

@Suite("ECVRF")
struct VRFTests {
    // MARK: RFC 9381 Appendix B.3

    @Test("RFC 9381 B.3: public key, proof, proof_to_hash and verify", arguments: RFC9381Vector.all)
    func rfcVector(_ vector: RFC9381Vector) {
        let seed = bytes(vector.sk), alpha = bytes(vector.alpha)
        #expect(ECVRF.publicKey(seed: seed) == bytes(vector.pk))
        let proof = ECVRF.prove(seed: seed, alpha: alpha)
        #expect(proof == bytes(vector.pi))
        #expect(ECVRF.proofToHash(bytes(vector.pi)) == bytes(vector.beta))
        #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: bytes(vector.pi), alpha: alpha) == bytes(vector.beta))
    }

    @Test("RFC 9381 B.3: intermediate values x, H, k, U, V", arguments: RFC9381Vector.all)
    func rfcIntermediates(_ vector: RFC9381Vector) throws {
        let key = try #require(ECVRF.SecretKey(seed: bytes(vector.sk)))
        #expect(key.scalar == Scalar.reducing(bytes(vector.x)))
        let h = try #require(ECVRF.encodeToCurve(publicKey: bytes(vector.pk), alpha: bytes(vector.alpha)))
        #expect(h.encoding == bytes(vector.h))
        // The counter that succeeded: every earlier one must fail to give a point.
        for ctr in 0..<vector.ctr {
            let digest = ECVRF.sha512([0x03, 0x01] + bytes(vector.pk) + bytes(vector.alpha) + [UInt8(ctr), 0x00])
            #expect(EdwardsPoint(encoding: Array(digest[0..<32])) == nil)
        }
        let k = Scalar.reducing(bytes(vector.k))
        #expect(ECVRF.sha512(key.nonceKey, bytes(vector.h)) == bytes(vector.k))
        #expect(EdwardsPoint.basepointMultiple(k).encoding == bytes(vector.u))
        #expect(h.multiplied(by: k).encoding == bytes(vector.v))
    }

    @Test("RFC 9381 B.3: wrong public key or wrong alpha is refused", arguments: RFC9381Vector.all)
    func rfcWrongKeyOrAlpha(_ vector: RFC9381Vector) {
        let proof = bytes(vector.pi), alpha = bytes(vector.alpha)
        for other in RFC9381Vector.all where other.example != vector.example {
            #expect(ECVRF.verify(publicKey: bytes(other.pk), proof: proof, alpha: alpha) == nil)
        }
        #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: proof, alpha: alpha + [0x00]) == nil)
        #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: proof, alpha: [0x73]) == nil)
    }

    // MARK: Keys

    @Test("public keys agree with Curve25519.Signing for random seeds")
    func publicKeysMatchEd25519() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let seed = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            let expected = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey.rawRepresentation
            #expect(ECVRF.publicKey(seed: seed) == Array(expected))
        }
    }

    @Test("seeds of the wrong length give an empty key and an empty proof, which never verifies")
    func wrongSeedLength() {
        for length in [0, 31, 33, 64] {
            let seed = [UInt8](repeating: 1, count: length)
            #expect(ECVRF.publicKey(seed: seed).isEmpty)
            #expect(ECVRF.prove(seed: seed, alpha: [1]).isEmpty)
        }
    }

    // MARK: Round trips and tampering

    @Test("random seeds and inputs: prove, then verify returns proof_to_hash")
    func roundTrip() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 31, 32, 100] {
            let seed = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            let alpha = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            let publicKey = ECVRF.publicKey(seed: seed)
            let proof = ECVRF.prove(seed: seed, alpha: alpha)
            #expect(proof.count == ECVRF.proofLength)
            let beta = ECVRF.proofToHash(proof)
            #expect(beta?.count == ECVRF.outputLength)
            #expect(beta != nil && ECVRF.verify(publicKey: publicKey, proof: proof, alpha: alpha) == beta)
            #expect(ECVRF.prove(seed: seed, alpha: alpha) == proof, "proofs are deterministic")
        }
    }

    @Test("flipping any single bit of pi is refused")
    func tamperedProofs() {
        let vector = RFC9381Vector.all[2]
        let proof = bytes(vector.pi), publicKey = bytes(vector.pk), alpha = bytes(vector.alpha)
        for index in 0..<ECVRF.proofLength {
            for bit in [index % 8, 7 - index % 8] {
                var tampered = proof
                tampered[index] ^= 1 << UInt8(bit)
                #expect(ECVRF.verify(publicKey: publicKey, proof: tampered, alpha: alpha) == nil, "byte \(index) bit \(bit)")
            }
        }
    }

    // MARK: Non-canonical and malformed encodings

    @Test("Gamma encodings with y >= p or x = 0 with the sign bit set are refused")
    func nonCanonicalGamma() {
        let vector = RFC9381Vector.all[0]
        let proof = bytes(vector.pi)
        let badGammas = [
            bytes("ee" + String(repeating: "ff", count: 30) + "7f"), // y = p + 1 (≡ 1: the identity if reduced)
            bytes("ed" + String(repeating: "ff", count: 30) + "7f"), // y = p (≡ 0: a point of order 4 if reduced)
            bytes("ee" + String(repeating: "ff", count: 31)),        // y = p + 1 with the sign bit set
            bytes(String(repeating: "ff", count: 32)),                // y = 2^255 − 1
            bytes("01" + String(repeating: "00", count: 30) + "80"), // y = 1, x = 0 with sign bit 1
        ]
        for gamma in badGammas {
            #expect(EdwardsPoint(encoding: gamma) == nil)
            let forged = gamma + proof[32...]
            #expect(ECVRF.proofToHash(forged) == nil)
            #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: forged, alpha: []) == nil)
        }
    }

    @Test("s = L and s = L + 1 are refused; s = L − 1 decodes but does not verify")
    func nonCanonicalS() {
        let vector = RFC9381Vector.all[1]
        let proof = bytes(vector.pi)
        let order = Scalar.order.bytes
        #expect(order == bytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"))
        var plusOne = order
        plusOne[0] += 1
        var minusOne = order
        minusOne[0] -= 1
        for s in [order, plusOne, bytes(String(repeating: "ff", count: 32))] {
            let forged = Array(proof[0..<48]) + s
            #expect(ECVRF.proofToHash(forged) == nil)
            #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: forged, alpha: bytes(vector.alpha)) == nil)
        }
        let edge = Array(proof[0..<48]) + minusOne
        #expect(ECVRF.proofToHash(edge) != nil)
        #expect(ECVRF.verify(publicKey: bytes(vector.pk), proof: edge, alpha: bytes(vector.alpha)) == nil)
    }

    @Test("small-order and non-canonical public keys are refused", arguments: [
        "0100000000000000000000000000000000000000000000000000000000000000", // identity (order 1)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, −1), order 2
        "0000000000000000000000000000000000000000000000000000000000000000", // (√−1, 0), order 4
        "0000000000000000000000000000000000000000000000000000000000000080", // (−√−1, 0), order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
        "0100000000000000000000000000000000000000000000000000000000000080", // x = 0 with sign bit 1
    ])
    func badPublicKeys(_ key: String) {
        let vector = RFC9381Vector.all[0]
        #expect(ECVRF.verify(publicKey: bytes(key), proof: bytes(vector.pi), alpha: []) == nil)
    }

    @Test("small-order points decode (they are on the curve) and are caught by the cofactor check")
    func smallOrderPointsDecode() throws {
        for key in ["0100000000000000000000000000000000000000000000000000000000000000",
                    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"] {
            let point = try #require(EdwardsPoint(encoding: bytes(key)))
            #expect(point.encoding == bytes(key))
            #expect(point.multipliedByCofactor().isIdentity)
        }
    }

    @Test("wrong lengths are refused")
    func wrongLengths() {
        let vector = RFC9381Vector.all[0]
        let proof = bytes(vector.pi), publicKey = bytes(vector.pk)
        for length in [0, 1, 48, 79, 81, 160] {
            let resized = length <= proof.count ? Array(proof[0..<length]) : proof + [UInt8](repeating: 0, count: length - proof.count)
            #expect(ECVRF.proofToHash(resized) == nil)
            #expect(ECVRF.verify(publicKey: publicKey, proof: resized, alpha: []) == nil)
        }
        for length in [0, 31, 33, 64] {
            let resized = length <= 32 ? Array(publicKey[0..<length]) : publicKey + [UInt8](repeating: 0, count: length - 32)
            #expect(ECVRF.verify(publicKey: resized, proof: proof, alpha: []) == nil)
        }
    }

    @Test("extreme inputs do not trap: all-0xff and all-zero proofs and keys, random garbage")
    func extremeInputs() {
        let ones = [UInt8](repeating: 0xFF, count: 80), zeros = [UInt8](repeating: 0, count: 80)
        for proof in [ones, zeros] {
            for key in [Array(ones[0..<32]), Array(zeros[0..<32])] {
                #expect(ECVRF.verify(publicKey: key, proof: proof, alpha: ones) == nil)
            }
        }
        #expect(ECVRF.proofToHash(ones) == nil)
        // Gamma = 0x00…00 decodes (a point of order 4), c = 0, s = 0: well-formed, so proof_to_hash answers.
        #expect(ECVRF.proofToHash(zeros)?.count == ECVRF.outputLength)
        var rng = SystemRandomNumberGenerator()
        let publicKey = bytes(RFC9381Vector.all[0].pk)
        for _ in 0..<64 {
            let garbage = (0..<80).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            #expect(ECVRF.verify(publicKey: publicKey, proof: garbage, alpha: []) == nil)
            _ = ECVRF.proofToHash(garbage)
            _ = ECVRF.verify(publicKey: Array(garbage[0..<32]), proof: garbage, alpha: garbage)
        }
    }

    // MARK: Arithmetic

    @Test("field and group constants")
    func constants() {
        let d = FieldElement.d
        #expect((d * FieldElement(121_666, 0, 0, 0, 0)).isEqual(to: -FieldElement(121_665, 0, 0, 0, 0)))
        #expect((FieldElement.d + FieldElement.d).isEqual(to: FieldElement.d2))
        #expect(FieldElement.sqrtMinusOne.squared().isEqual(to: -FieldElement.one))
        #expect(EdwardsPoint.basepoint.encoding == bytes("5866666666666666666666666666666666666666666666666666666666666666"))
        // (L − 1)·B = −B, by both the table and the NAF path; L·B is the identity; (L − 1)² ≡ 1.
        var lMinusOne = Scalar.order.bytes
        lMinusOne[0] -= 1
        let scalar = Scalar.reducing(lMinusOne)
        #expect(Scalar(canonical: lMinusOne) == scalar)
        #expect(Scalar.multiplyAdd(scalar, scalar, .zero) == Scalar.reducing([1]))
        #expect(Scalar.multiplyAdd(scalar, scalar, scalar).isZero)
        let negB = EdwardsPoint.basepoint.negated().encoding
        #expect(EdwardsPoint.basepointMultiple(scalar).encoding == negB)
        #expect(EdwardsPoint.basepoint.multiplied(by: scalar).encoding == negB)
        #expect((EdwardsPoint.basepointMultiple(scalar) + EdwardsPoint.basepoint).isIdentity)
        #expect(Scalar.reducing(Scalar.order.bytes).isZero)
    }

    @Test("field arithmetic on the largest limbs stays exact")
    func extremeFieldElements() {
        let top = FieldElement.mask
        let big = FieldElement(top, top, top, top, top) // 2^255 − 1 ≡ 18
        let eighteen = FieldElement(18, 0, 0, 0, 0)
        #expect(big.isEqual(to: eighteen))
        #expect((big * big).isEqual(to: FieldElement(324, 0, 0, 0, 0)))
        #expect((big + big + big + big).squared().isEqual(to: FieldElement(5184, 0, 0, 0, 0)))
        #expect((FieldElement.zero - big).isEqual(to: -eighteen))
        #expect((big.inverted() * eighteen).isEqual(to: .one))
        #expect(FieldElement.zero.inverted().isZero)
        #expect(FieldElement(littleEndian: [UInt8](repeating: 0xFF, count: 32)).isCanonicalEncoding == false)
    }

    @Test("scalar multiplication paths agree: NAF, table and Straus")
    func scalarMultiplicationPaths() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let a = Scalar.reducing((0..<64).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
            let b = Scalar.reducing((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
            let p = EdwardsPoint.basepointMultiple(b)
            let expected = (EdwardsPoint.basepointMultiple(a) + p.multiplied(by: b)).encoding
            #expect(EdwardsPoint.doubleScalarMultiple(a, .basepoint, b, p).encoding == expected)
            #expect(EdwardsPoint.basepoint.multiplied(by: a).encoding == EdwardsPoint.basepointMultiple(a).encoding)
            // (a·b + c)·B = a·(b·B) + c·B
            let c = Scalar.reducing((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
            let lhs = EdwardsPoint.basepointMultiple(Scalar.multiplyAdd(a, b, c)).encoding
            #expect(lhs == (p.multiplied(by: a) + EdwardsPoint.basepointMultiple(c)).encoding)
        }
    }
}

/// Hex to bytes (test input is well-formed).
private func bytes(_ hex: String) -> [UInt8] {
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c &- 48 : (c | 0x20) &- 87 }
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}
