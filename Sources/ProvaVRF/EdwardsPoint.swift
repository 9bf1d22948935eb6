/// A point of edwards25519 (−x² + y² = 1 + d·x²·y²) in extended coordinates (X : Y : Z : T),
/// x = X/Z, y = Y/Z, x·y = T/Z (Hisil–Wong–Carter–Dawson). The formulas used are complete on
/// this curve (a = −1 is a square, d is not), so they hold for the identity and small-order points too.
struct EdwardsPoint: Sendable {
    var X: FieldElement
    var Y: FieldElement
    var Z: FieldElement
    var T: FieldElement

    init(X: FieldElement, Y: FieldElement, Z: FieldElement, T: FieldElement) {
        self.X = X
        self.Y = Y
        self.Z = Z
        self.T = T
    }

    static let identity = EdwardsPoint(X: .zero, Y: .one, Z: .one, T: .zero)

    /// The base point B of RFC 8032 (y = 4/5, x even).
    static let basepoint = EdwardsPoint(
        X: FieldElement(1_738_742_601_995_546, 1_146_398_526_822_698, 2_070_867_633_025_821, 562_264_141_797_630, 587_772_402_128_613),
        Y: FieldElement(1_801_439_850_948_184, 1_351_079_888_211_148, 450_359_962_737_049, 900_719_925_474_099, 1_801_439_850_948_198),
        Z: .one,
        T: FieldElement(1_841_354_044_333_475, 16_398_895_984_059, 755_974_180_946_558, 900_171_276_175_154, 1_821_297_809_914_039)
    )

    // MARK: Encoding (RFC 8032 §5.1.2, §5.1.3)

    /// Decodes a 32-byte RFC 8032 encoding strictly: fails on a wrong length, on y ≥ p, when
    /// (y² − 1)/(d·y² + 1) has no square root, and on x = 0 with the sign bit set.
    init?(encoding s: [UInt8]) {
        guard s.count == 32 else { return nil }
        let y = FieldElement(littleEndian: s)
        guard y.isCanonicalEncoding else { return nil }
        let sign = s[31] >> 7 == 1
        let yy = y.squared()
        let u = yy - .one
        let v = yy * FieldElement.d + .one
        guard var x = FieldElement.sqrtRatio(u, v) else { return nil }
        let xIsZero = x.isZero
        if xIsZero && sign { return nil }
        if x.isNegative != sign { x = -x }
        self.init(X: x, Y: y, Z: .one, T: x * y)
    }

    /// The 32-byte encoding: y little-endian with the sign of x in bit 255.
    var encoding: [UInt8] { Self.encoding(x: X, y: Y, zInverse: Z.inverted()) }

    /// Encodings of several points with a single field inversion.
    static func encodings(_ points: [EdwardsPoint]) -> [[UInt8]] {
        let inverses = FieldElement.batchInverted(points.map(\.Z))
        return zip(points, inverses).map { encoding(x: $0.X, y: $0.Y, zInverse: $1) }
    }

    private static func encoding(x: FieldElement, y: FieldElement, zInverse: FieldElement) -> [UInt8] {
        var out = (y * zInverse).bytes
        if (x * zInverse).isNegative { out[31] |= 0x80 }
        return out
    }

    // MARK: Group operations

    var isIdentity: Bool { X.isZero && Y.isEqual(to: Z) }

    func negated() -> EdwardsPoint { EdwardsPoint(X: -X, Y: Y, Z: Z, T: -T) }

    var projective: ProjectivePoint { ProjectivePoint(X: X, Y: Y, Z: Z) }

    var cached: CachedPoint { CachedPoint(yPlusX: Y + X, yMinusX: Y - X, Z: Z, T2d: T * FieldElement.d2) }

    /// (x, y) as the affine-Niels form used for the base-point table (costs an inversion).
    var affineNiels: AffineNielsPoint {
        let zInverse = Z.inverted()
        return AffineNielsPoint(x: X * zInverse, y: Y * zInverse)
    }

    func doubled() -> EdwardsPoint { projective.doubled().extended }

    /// 8·self.
    func multipliedByCofactor() -> EdwardsPoint {
        projective.doubled().projective.doubled().projective.doubled().extended
    }

    static func + (p: EdwardsPoint, q: CachedPoint) -> CompletedPoint {
        let pp = (p.Y + p.X) * q.yPlusX
        let mm = (p.Y - p.X) * q.yMinusX
        let tt2d = p.T * q.T2d
        let zz = p.Z * q.Z
        let zz2 = zz + zz
        return CompletedPoint(X: pp - mm, Y: pp + mm, Z: zz2 + tt2d, T: zz2 - tt2d)
    }

    static func - (p: EdwardsPoint, q: CachedPoint) -> CompletedPoint {
        let pm = (p.Y + p.X) * q.yMinusX
        let mp = (p.Y - p.X) * q.yPlusX
        let tt2d = p.T * q.T2d
        let zz = p.Z * q.Z
        let zz2 = zz + zz
        return CompletedPoint(X: pm - mp, Y: pm + mp, Z: zz2 - tt2d, T: zz2 + tt2d)
    }

    static func + (p: EdwardsPoint, q: AffineNielsPoint) -> CompletedPoint {
        let pp = (p.Y + p.X) * q.yPlusX
        let mm = (p.Y - p.X) * q.yMinusX
        let txy2d = p.T * q.xy2d
        let z2 = p.Z + p.Z
        return CompletedPoint(X: pp - mm, Y: pp + mm, Z: z2 + txy2d, T: z2 - txy2d)
    }

    static func - (p: EdwardsPoint, q: AffineNielsPoint) -> CompletedPoint {
        let pm = (p.Y + p.X) * q.yMinusX
        let mp = (p.Y - p.X) * q.yPlusX
        let txy2d = p.T * q.xy2d
        let z2 = p.Z + p.Z
        return CompletedPoint(X: pm - mp, Y: pm + mp, Z: z2 - txy2d, T: z2 + txy2d)
    }

    static func + (p: EdwardsPoint, q: EdwardsPoint) -> EdwardsPoint { (p + q.cached).extended }
}

/// (X : Y : Z) with x = X/Z, y = Y/Z: the cheapest form to double repeatedly.
struct ProjectivePoint: Sendable {
    var X: FieldElement
    var Y: FieldElement
    var Z: FieldElement

    static let identity = ProjectivePoint(X: .zero, Y: .one, Z: .one)

    /// 2·self (dbl-2008-hwcd for a = −1).
    func doubled() -> CompletedPoint {
        let xx = X.squared()
        let yy = Y.squared()
        let zSquared = Z.squared()
        let zz2 = zSquared + zSquared
        let xPlusYSquared = (X + Y).squared()
        let yyPlusXX = yy + xx
        let yyMinusXX = yy - xx
        return CompletedPoint(X: xPlusYSquared - yyPlusXX, Y: yyPlusXX, Z: yyMinusXX, T: zz2 - yyMinusXX)
    }

    var extended: EdwardsPoint {
        EdwardsPoint(X: X * Z, Y: Y * Z, Z: Z.squared(), T: X * Y)
    }
}

/// ((X : Z), (Y : T)) with x = X/Z, y = Y/T: the direct output of addition and doubling.
struct CompletedPoint: Sendable {
    var X: FieldElement
    var Y: FieldElement
    var Z: FieldElement
    var T: FieldElement

    var projective: ProjectivePoint { ProjectivePoint(X: X * T, Y: Y * Z, Z: Z * T) }
    var extended: EdwardsPoint { EdwardsPoint(X: X * T, Y: Y * Z, Z: Z * T, T: X * Y) }
}

/// (Y + X, Y − X, Z, 2d·T): a point prepared for repeated addition ("projective Niels").
struct CachedPoint: Sendable {
    var yPlusX: FieldElement
    var yMinusX: FieldElement
    var Z: FieldElement
    var T2d: FieldElement
}

/// (y + x, y − x, 2d·x·y) for an affine point: additions with it skip one multiplication.
struct AffineNielsPoint: Sendable {
    var yPlusX: FieldElement
    var yMinusX: FieldElement
    var xy2d: FieldElement

    init(x: FieldElement, y: FieldElement) {
        yPlusX = y + x
        yMinusX = y - x
        xy2d = x * y * FieldElement.d2
    }
}
