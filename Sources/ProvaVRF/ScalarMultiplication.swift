/// Scalar multiplication: width-5 NAF for variable bases (single and Straus double-scalar),
/// and a signed radix-16 comb over a precomputed table for the base point.
extension EdwardsPoint {
    /// Width of the NAF used for variable bases: tables of 8 odd multiples.
    static let nafWidth = 5

    /// [P, 3P, 5P, …, 15P] ready for addition.
    func oddMultiples() -> [CachedPoint] {
        let twice = doubled().cached
        var table = [cached]
        table.reserveCapacity(8)
        var current = self
        for _ in 1..<8 {
            current = (current + twice).extended
            table.append(current.cached)
        }
        return table
    }

    /// a·self.
    func multiplied(by a: Scalar) -> EdwardsPoint {
        Self.linearCombination([(a, self)])
    }

    /// a·P + b·Q with shared doublings (Straus–Shamir).
    static func doubleScalarMultiple(_ a: Scalar, _ p: EdwardsPoint, _ b: Scalar, _ q: EdwardsPoint) -> EdwardsPoint {
        linearCombination([(a, p), (b, q)])
    }

    /// Σ scalar_i·point_i by interleaved width-5 NAF: one doubling per bit position (from the highest nonzero digit) for all terms.
    private static func linearCombination(_ terms: [(Scalar, EdwardsPoint)]) -> EdwardsPoint {
        let nafs = terms.map { $0.0.nonAdjacentForm(width: nafWidth) }
        let tables = terms.map { $0.1.oddMultiples() }
        var top = 255
        while top >= 0 && nafs.allSatisfy({ $0[top] == 0 }) { top -= 1 }
        guard top >= 0 else { return identity }

        var accumulator = ProjectivePoint.identity
        var position = top
        while true {
            var sum = accumulator.doubled()
            for (naf, table) in zip(nafs, tables) {
                let digit = Int(naf[position])
                if digit > 0 {
                    sum = sum.extended + table[digit / 2]
                } else if digit < 0 {
                    sum = sum.extended - table[-digit / 2]
                }
            }
            if position == 0 { return sum.extended }
            accumulator = sum.projective
            position -= 1
        }
    }

    /// a·B using the precomputed multiples of B: 64 mixed additions and 4 doublings.
    static func basepointMultiple(_ a: Scalar) -> EdwardsPoint {
        let digits = a.radix16()
        let table = BasepointTable.shared
        var h = identity
        // h = Σ_{i odd} digit_i·16^(i−1)·B, then ×16, then + Σ_{i even} digit_i·16^i·B.
        for i in stride(from: 1, to: 64, by: 2) {
            h = table.add(h, digit: digits[i], row: i / 2)
        }
        h = h.projective.doubled().projective.doubled().projective.doubled().projective.doubled().extended
        for i in stride(from: 0, to: 64, by: 2) {
            h = table.add(h, digit: digits[i], row: i / 2)
        }
        return h
    }
}

/// j·256^i·B for i in 0..<32 and j in 1...8, as affine-Niels points, built once on first use.
struct BasepointTable: Sendable {
    static let shared = BasepointTable()

    private let entries: [AffineNielsPoint]

    private init() {
        var points = [EdwardsPoint]()
        points.reserveCapacity(256)
        var rowBase = EdwardsPoint.basepoint
        for _ in 0..<32 {
            let cachedBase = rowBase.cached
            var multiple = rowBase
            for j in 1...8 {
                points.append(multiple)
                if j < 8 { multiple = (multiple + cachedBase).extended }
            }
            for _ in 0..<8 { rowBase = rowBase.doubled() }
        }
        let inverses = FieldElement.batchInverted(points.map(\.Z))
        entries = zip(points, inverses).map { AffineNielsPoint(x: $0.X * $1, y: $0.Y * $1) }
    }

    /// h + digit·256^row·B for a digit in [−8, 8].
    func add(_ h: EdwardsPoint, digit: Int8, row: Int) -> EdwardsPoint {
        if digit > 0 {
            return (h + entries[8 * row + Int(digit) - 1]).extended
        } else if digit < 0 {
            return (h - entries[8 * row + Int(-digit) - 1]).extended
        }
        return h
    }
}
