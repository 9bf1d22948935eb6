/// An element of the field GF(p), p = 2^255 − 19, in radix 2^51: value = l0 + l1·2^51 + l2·2^102 + l3·2^153 + l4·2^204.
///
/// Limbs are only weakly reduced between operations (each below about 2^52); `canonicalLimbs`
/// gives the unique representative in [0, p). Inputs to `*` and `squared()` may have limbs up to
/// 2^54, so the sum of a few weakly reduced elements may be multiplied without reducing first;
/// `-` accepts a subtrahend with limbs below 2^55. All limb arithmetic uses wrapping operators
/// whose bounds are argued next to them, so no input can make it trap.
struct FieldElement: Sendable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64
    var l4: UInt64

    static let mask: UInt64 = (1 << 51) - 1

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        self.l0 = l0
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
        self.l4 = l4
    }

    static let zero = FieldElement(0, 0, 0, 0, 0)
    static let one = FieldElement(1, 0, 0, 0, 0)

    /// d = −121665/121666, the Edwards curve constant of edwards25519.
    static let d = FieldElement(929_955_233_495_203, 466_365_720_129_213, 1_662_059_464_998_953, 2_033_849_074_728_123, 1_442_794_654_840_575)
    /// 2·d, used by the addition formulas.
    static let d2 = FieldElement(1_859_910_466_990_425, 932_731_440_258_426, 1_072_319_116_312_658, 1_815_898_335_770_999, 633_789_495_995_903)
    /// √−1 = 2^((p−1)/4).
    static let sqrtMinusOne = FieldElement(1_718_705_420_411_056, 234_908_883_556_509, 2_233_514_472_574_048, 2_117_202_627_021_982, 765_476_049_583_133)

    // MARK: Encoding

    /// The low 255 bits of the 32 little-endian bytes at `bytes[offset..<offset+32]` (bit 255 is ignored).
    /// The caller guarantees the bytes exist. The value may be ≥ p; see `isCanonicalEncoding`.
    init(littleEndian bytes: [UInt8], offset: Int = 0) {
        let w0 = Self.word(bytes, offset)
        let w1 = Self.word(bytes, offset + 8)
        let w2 = Self.word(bytes, offset + 16)
        let w3 = Self.word(bytes, offset + 24)
        self.init(
            w0 & Self.mask,
            ((w0 >> 51) | (w1 << 13)) & Self.mask,
            ((w1 >> 38) | (w2 << 26)) & Self.mask,
            ((w2 >> 25) | (w3 << 39)) & Self.mask,
            (w3 >> 12) & Self.mask
        )
    }

    @inline(__always)
    private static func word(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for i in (0..<8).reversed() { w = (w << 8) | UInt64(bytes[at + i]) }
        return w
    }

    /// True when these limbs, as parsed by `init(littleEndian:)`, are below p (the parse gives limbs < 2^51, so
    /// the value is ≥ p exactly when limbs 1–4 are all ones and limb 0 is ≥ 2^51 − 19).
    var isCanonicalEncoding: Bool {
        !(l1 == Self.mask && l2 == Self.mask && l3 == Self.mask && l4 == Self.mask && l0 >= Self.mask &- 18)
    }

    /// The unique representative in [0, p), as five limbs below 2^51.
    var canonicalLimbs: FieldElement {
        var r = Self.weakReduce(l0, l1, l2, l3, l4) // limbs < 2^51 + 2^13·19, value < 2p
        // q = 1 exactly when r ≥ p: r + 19 then overflows 2^255.
        var q = (r.l0 &+ 19) >> 51
        q = (r.l1 &+ q) >> 51
        q = (r.l2 &+ q) >> 51
        q = (r.l3 &+ q) >> 51
        q = (r.l4 &+ q) >> 51
        r.l0 = r.l0 &+ 19 &* q
        r.l1 = r.l1 &+ (r.l0 >> 51); r.l0 &= Self.mask
        r.l2 = r.l2 &+ (r.l1 >> 51); r.l1 &= Self.mask
        r.l3 = r.l3 &+ (r.l2 >> 51); r.l2 &= Self.mask
        r.l4 = r.l4 &+ (r.l3 >> 51); r.l3 &= Self.mask
        r.l4 &= Self.mask // drops the 2^255 that r − p + 2^255 carried in
        return r
    }

    /// The 32-byte little-endian encoding of the canonical value (bit 255 clear).
    var bytes: [UInt8] {
        let c = canonicalLimbs
        let words = [c.l0 | (c.l1 << 51), (c.l1 >> 13) | (c.l2 << 38), (c.l2 >> 26) | (c.l3 << 25), (c.l3 >> 39) | (c.l4 << 12)]
        var out = [UInt8](repeating: 0, count: 32)
        for (i, w) in words.enumerated() {
            for j in 0..<8 { out[8 * i + j] = UInt8(truncatingIfNeeded: w >> (8 * UInt64(j))) }
        }
        return out
    }

    var isZero: Bool {
        let c = canonicalLimbs
        return (c.l0 | c.l1 | c.l2 | c.l3 | c.l4) == 0
    }

    /// The "sign" of RFC 8032: the low bit of the canonical value.
    var isNegative: Bool { canonicalLimbs.l0 & 1 == 1 }

    func isEqual(to other: FieldElement) -> Bool { (self - other).isZero }

    // MARK: Arithmetic

    /// Carries each limb into the next in parallel (the top one folds back times 19): limbs become < 2^51 + 2^13·19.
    @inline(__always)
    static func weakReduce(_ a0: UInt64, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ a4: UInt64) -> FieldElement {
        FieldElement(
            (a0 & mask) &+ (a4 >> 51) &* 19,
            (a1 & mask) &+ (a0 >> 51),
            (a2 & mask) &+ (a1 >> 51),
            (a3 & mask) &+ (a2 >> 51),
            (a4 & mask) &+ (a3 >> 51)
        )
    }

    /// Sum without reduction: limbs add (two weakly reduced inputs give limbs < 2^53).
    @inline(__always)
    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4)
    }

    /// (a + 16p) − b, weakly reduced; needs b's limbs below 2^55 − 304 and a's below 2^63.
    @inline(__always)
    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        weakReduce(
            (a.l0 &+ 36_028_797_018_963_664) &- b.l0, // 16·(2^51 − 19)
            (a.l1 &+ 36_028_797_018_963_952) &- b.l1, // 16·(2^51 − 1)
            (a.l2 &+ 36_028_797_018_963_952) &- b.l2,
            (a.l3 &+ 36_028_797_018_963_952) &- b.l3,
            (a.l4 &+ 36_028_797_018_963_952) &- b.l4
        )
    }

    @inline(__always)
    static prefix func - (a: FieldElement) -> FieldElement { zero - a }

    @inline(__always)
    private static func m(_ a: UInt64, _ b: UInt64) -> UInt128 { UInt128(a) &* UInt128(b) }

    /// Product modulo p. With limbs < 2^54 every column sum is < 5·19·2^108 < 2^115, and the top
    /// column (no factor 19) is < 2^111, so the final carry times 19 fits easily in 64 bits.
    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        let b1 = b.l1 &* 19, b2 = b.l2 &* 19, b3 = b.l3 &* 19, b4 = b.l4 &* 19
        let c0 = m(a.l0, b.l0) &+ m(a.l4, b1) &+ m(a.l3, b2) &+ m(a.l2, b3) &+ m(a.l1, b4)
        let c1 = m(a.l1, b.l0) &+ m(a.l0, b.l1) &+ m(a.l4, b2) &+ m(a.l3, b3) &+ m(a.l2, b4)
        let c2 = m(a.l2, b.l0) &+ m(a.l1, b.l1) &+ m(a.l0, b.l2) &+ m(a.l4, b3) &+ m(a.l3, b4)
        let c3 = m(a.l3, b.l0) &+ m(a.l2, b.l1) &+ m(a.l1, b.l2) &+ m(a.l0, b.l3) &+ m(a.l4, b4)
        let c4 = m(a.l4, b.l0) &+ m(a.l3, b.l1) &+ m(a.l2, b.l2) &+ m(a.l1, b.l3) &+ m(a.l0, b.l4)
        return carry(c0, c1, c2, c3, c4)
    }

    /// Square modulo p (same bounds as `*`).
    func squared() -> FieldElement {
        let a3x19 = l3 &* 19, a4x19 = l4 &* 19
        let c0 = Self.m(l0, l0) &+ ((Self.m(l1, a4x19) &+ Self.m(l2, a3x19)) &<< 1)
        let c1 = Self.m(l3, a3x19) &+ ((Self.m(l0, l1) &+ Self.m(l2, a4x19)) &<< 1)
        let c2 = Self.m(l1, l1) &+ ((Self.m(l0, l2) &+ Self.m(l4, a3x19)) &<< 1)
        let c3 = Self.m(l4, a4x19) &+ ((Self.m(l0, l3) &+ Self.m(l1, l2)) &<< 1)
        let c4 = Self.m(l2, l2) &+ ((Self.m(l0, l4) &+ Self.m(l1, l3)) &<< 1)
        return Self.carry(c0, c1, c2, c3, c4)
    }

    /// self^(2^k), k ≥ 1.
    func squared(times k: Int) -> FieldElement {
        var r = squared()
        var i = 1
        while i < k { r = r.squared(); i += 1 }
        return r
    }

    @inline(__always)
    private static func carry(_ c0: UInt128, _ c1: UInt128, _ c2: UInt128, _ c3: UInt128, _ c4: UInt128) -> FieldElement {
        let c1 = c1 &+ (c0 &>> 51)
        let c2 = c2 &+ (c1 &>> 51)
        let c3 = c3 &+ (c2 &>> 51)
        let c4 = c4 &+ (c3 &>> 51)
        var r0 = (UInt64(truncatingIfNeeded: c0) & mask) &+ UInt64(truncatingIfNeeded: c4 &>> 51) &* 19
        let r1 = (UInt64(truncatingIfNeeded: c1) & mask) &+ (r0 >> 51)
        r0 &= mask
        return FieldElement(r0, r1, UInt64(truncatingIfNeeded: c2) & mask, UInt64(truncatingIfNeeded: c3) & mask, UInt64(truncatingIfNeeded: c4) & mask)
    }

    // MARK: Exponentiation

    /// (self^(2^250 − 1), self^11): the shared head of the addition chains for p − 2 and (p − 5)/8.
    private func pow22501() -> (FieldElement, FieldElement) {
        let t0 = squared()                  // 2
        let t1 = t0.squared(times: 2)       // 8
        let t2 = self * t1                  // 9
        let t3 = t0 * t2                    // 11
        let t4 = t3.squared()               // 22
        let t5 = t2 * t4                    // 31 = 2^5 − 1
        let t6 = t5.squared(times: 5)
        let t7 = t6 * t5                    // 2^10 − 1
        let t8 = t7.squared(times: 10)
        let t9 = t8 * t7                    // 2^20 − 1
        let t10 = t9.squared(times: 20)
        let t11 = t10 * t9                  // 2^40 − 1
        let t12 = t11.squared(times: 10)
        let t13 = t12 * t7                  // 2^50 − 1
        let t14 = t13.squared(times: 50)
        let t15 = t14 * t13                 // 2^100 − 1
        let t16 = t15.squared(times: 100)
        let t17 = t16 * t15                 // 2^200 − 1
        let t18 = t17.squared(times: 50)
        let t19 = t18 * t13                 // 2^250 − 1
        return (t19, t3)
    }

    /// self^(p − 2) = 1/self (0 for 0).
    func inverted() -> FieldElement {
        let (t19, t3) = pow22501()
        return t19.squared(times: 5) * t3   // 2^255 − 32 + 11 = p − 2
    }

    /// self^((p − 5)/8) = self^(2^252 − 3).
    func powP58() -> FieldElement {
        let (t19, _) = pow22501()
        return t19.squared(times: 2) * self
    }

    /// A square root x of u/v (RFC 8032 §5.1.3 step 3), or nil when u/v is not a square. v must be nonzero.
    static func sqrtRatio(_ u: FieldElement, _ v: FieldElement) -> FieldElement? {
        let v3 = v.squared() * v
        let v7 = v3.squared() * v
        var x = u * v3 * (u * v7).powP58()
        let vxx = v * x.squared()
        if vxx.isEqual(to: u) { return x }
        if vxx.isEqual(to: -u) {
            x = x * sqrtMinusOne
            return x
        }
        return nil
    }

    /// The inverses of all `elements` with one inversion (Montgomery's trick); zeros map to zero only if none is zero.
    static func batchInverted(_ elements: [FieldElement]) -> [FieldElement] {
        var prefix = [FieldElement]()
        prefix.reserveCapacity(elements.count)
        var acc = one
        for e in elements {
            prefix.append(acc)
            acc = acc * e
        }
        var inv = acc.inverted()
        var out = [FieldElement](repeating: zero, count: elements.count)
        for i in elements.indices.reversed() {
            out[i] = inv * prefix[i]
            inv = inv * elements[i]
        }
        return out
    }
}
