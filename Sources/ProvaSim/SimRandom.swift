import ProvaLedger

/// Continuous draws on top of the ledger's `SeededGenerator`, so the whole simulator is deterministic for a
/// seed and independent of the standard library's unspecified random algorithms.
extension SeededGenerator {
    /// Uniform in [0, 1), from the top 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// True with probability `p`.
    mutating func bernoulli(_ p: Double) -> Bool {
        p > 0 && unit() < p
    }

    /// Exponential with the given mean (inverse transform).
    mutating func exponential(mean: Double) -> Double {
        -mean * log1pNegative(unit())
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var target = unit() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }

    /// `log(1 - u)` for u in [0, 1), written without Foundation.
    private func log1pNegative(_ u: Double) -> Double {
        SimMath.log(1 - u)
    }
}

/// Elementary functions without Foundation (the simulator's numbers must not depend on the platform's libm
/// for determinism of arrivals; these are exact enough for sampling and fully reproducible).
enum SimMath {
    /// Natural logarithm by range reduction to [1, 2) and the atanh series.
    static func log(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        var exponent = 0
        var mantissa = x
        while mantissa >= 2 { mantissa /= 2; exponent += 1 }
        while mantissa < 1 { mantissa *= 2; exponent -= 1 }
        let y = (mantissa - 1) / (mantissa + 1)
        let y2 = y * y
        var term = y
        var sum = 0.0
        var k = 1.0
        while true {
            let next = sum + term / k
            if next == sum { break }
            sum = next
            term *= y2
            k += 2
        }
        return 2 * sum + Double(exponent) * 0.693_147_180_559_945_3
    }

    /// e^x by range reduction and the Taylor series.
    static func exp(_ x: Double) -> Double {
        guard x > -700 else { return 0 }
        let ln2 = 0.693_147_180_559_945_3
        let n = (x / ln2).rounded(.down)
        let r = x - n * ln2
        var term = 1.0
        var sum = 1.0
        var k = 1.0
        while true {
            term *= r / k
            let next = sum + term
            if next == sum { break }
            sum = next
            k += 1
        }
        var result = sum
        var count = Int(n)
        while count > 0 { result *= 2; count -= 1 }
        while count < 0 { result /= 2; count += 1 }
        return result
    }

    /// x^p for x > 0.
    static func pow(_ x: Double, _ p: Double) -> Double {
        x <= 0 ? 0 : exp(p * log(x))
    }
}
