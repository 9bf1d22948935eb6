/// An integer modulo L = 2^252 + 27742317777372353535851937790883648493, the order of the
/// edwards25519 base point, as four little-endian 64-bit limbs holding a value in [0, L).
///
/// Only a handful of scalar operations happen per proof, so reduction is a plain bit-serial
/// long division: simple, exact for any input length, and without intermediate overflow.
struct Scalar: Sendable, Equatable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64

    static let zero = Scalar(l0: 0, l1: 0, l2: 0, l3: 0)
    static let order = Scalar(l0: 0x5812_631A_5CF5_D3ED, l1: 0x14DE_F9DE_A2F7_9CD6, l2: 0, l3: 0x1000_0000_0000_0000)

    var limbs: [UInt64] { [l0, l1, l2, l3] }

    /// The 32 little-endian bytes at `bytes[offset..<offset+32]` when they encode a value below L, else nil.
    /// nil also when fewer than 32 bytes follow `offset`.
    init?(canonical bytes: [UInt8], offset: Int = 0) {
        guard offset >= 0, bytes.count - offset >= 32 else { return nil }
        let words = Self.words(bytes[offset..<(offset + 32)])
        let candidate = Scalar(l0: words[0], l1: words[1], l2: words[2], l3: words[3])
        guard Self.subtractingOrder(candidate) == nil else { return nil }
        self = candidate
    }

    private init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.l0 = l0
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
    }

    /// The little-endian integer in `bytes` (any length) reduced modulo L.
    static func reducing(_ bytes: some Collection<UInt8>) -> Scalar { reducing(limbs: words(bytes)) }

    /// a·b + c mod L.
    static func multiplyAdd(_ a: Scalar, _ b: Scalar, _ c: Scalar) -> Scalar {
        let x = a.limbs, y = b.limbs
        var w = [UInt64](repeating: 0, count: 9)
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                // ≤ (2^64 − 1)² + 2·(2^64 − 1) = 2^128 − 1: never overflows.
                let t = UInt128(x[i]) &* UInt128(y[j]) &+ UInt128(w[i + j]) &+ UInt128(carry)
                w[i + j] = UInt64(truncatingIfNeeded: t)
                carry = UInt64(truncatingIfNeeded: t &>> 64)
            }
            w[i + 4] = carry
        }
        // a·b < 2^506, so adding c < 2^253 cannot carry out of the nine limbs.
        var carry = false
        for (i, limb) in c.limbs.enumerated() {
            let (s1, o1) = w[i].addingReportingOverflow(limb)
            let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
            w[i] = s2
            carry = o1 || o2
        }
        var i = 4
        while carry && i < w.count {
            let (s, o) = w[i].addingReportingOverflow(1)
            w[i] = s
            carry = o
            i += 1
        }
        return reducing(limbs: w)
    }

    /// The 32-byte little-endian encoding.
    var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for (i, w) in limbs.enumerated() {
            for j in 0..<8 { out[8 * i + j] = UInt8(truncatingIfNeeded: w >> (8 * UInt64(j))) }
        }
        return out
    }

    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    // MARK: Recodings for scalar multiplication

    /// The width-`width` non-adjacent form (2 ≤ width ≤ 6): 256 digits, each zero or odd with
    /// |digit| < 2^(width−1), no two nonzero digits closer than `width` positions, Σ digit_i·2^i = self.
    func nonAdjacentForm(width: Int) -> [Int8] {
        var naf = [Int8](repeating: 0, count: 256)
        let x = [l0, l1, l2, l3, 0]
        let windowSize = 1 << width
        let windowMask = UInt64(windowSize - 1)
        var position = 0
        var carry = 0
        while position < 256 {
            let index = position / 64
            let bit = UInt64(position % 64)
            let buffer: UInt64 = bit < UInt64(64 - width)
                ? x[index] >> bit
                : (x[index] >> bit) | (x[index + 1] << (64 - bit))
            let window = carry + Int(buffer & windowMask)
            if window & 1 == 0 {
                position += 1
                continue
            }
            if window < windowSize / 2 {
                carry = 0
                naf[position] = Int8(window)
            } else {
                carry = 1
                naf[position] = Int8(window - windowSize)
            }
            position += width
        }
        // self < L < 2^253, so the final carry is always absorbed below bit 256.
        return naf
    }

    /// 64 signed radix-16 digits in [−8, 8] with Σ digit_i·16^i = self.
    func radix16() -> [Int8] {
        let b = bytes
        var digits = [Int8](repeating: 0, count: 64)
        for i in 0..<32 {
            digits[2 * i] = Int8(b[i] & 15)
            digits[2 * i + 1] = Int8(b[i] >> 4)
        }
        var carry: Int8 = 0
        for i in 0..<63 {
            digits[i] &+= carry
            carry = (digits[i] &+ 8) >> 4
            digits[i] &-= carry << 4
        }
        digits[63] &+= carry // the top nibble of a value < L is at most 1
        return digits
    }

    // MARK: Helpers

    /// Little-endian 64-bit words of `bytes`, the last one zero-padded.
    private static func words(_ bytes: some Collection<UInt8>) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: max(4, (bytes.count + 7) / 8))
        for (i, byte) in bytes.enumerated() {
            out[i / 8] |= UInt64(byte) << (8 * UInt64(i % 8))
        }
        return out
    }

    /// value − L when value ≥ L, else nil.
    private static func subtractingOrder(_ v: Scalar) -> Scalar? {
        let (d0, b0) = v.l0.subtractingReportingOverflow(order.l0)
        let (t1, b1a) = v.l1.subtractingReportingOverflow(order.l1)
        let (d1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (t2, b2a) = v.l2.subtractingReportingOverflow(order.l2)
        let (d2, b2b) = t2.subtractingReportingOverflow((b1a || b1b) ? 1 : 0)
        let (t3, b3a) = v.l3.subtractingReportingOverflow(order.l3)
        let (d3, b3b) = t3.subtractingReportingOverflow((b2a || b2b) ? 1 : 0)
        if b3a || b3b { return nil }
        return Scalar(l0: d0, l1: d1, l2: d2, l3: d3)
    }

    /// Σ limbs_i·2^(64·i) mod L, one bit at a time from the top: r ← 2r + bit, minus L if r ≥ L.
    /// r < L < 2^253 throughout, so 2r + 1 < 2^254 fits in four limbs.
    private static func reducing(limbs: [UInt64]) -> Scalar {
        var r = zero
        for limb in limbs.reversed() {
            var bit: UInt64 = 64
            while bit > 0 {
                bit -= 1
                r.l3 = (r.l3 << 1) | (r.l2 >> 63)
                r.l2 = (r.l2 << 1) | (r.l1 >> 63)
                r.l1 = (r.l1 << 1) | (r.l0 >> 63)
                r.l0 = (r.l0 << 1) | ((limb >> bit) & 1)
                if let reduced = subtractingOrder(r) { r = reduced }
            }
        }
        return r
    }
}
