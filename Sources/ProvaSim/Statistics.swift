/// Small, exact statistics used by the reports.
public enum Statistics {
    /// Nearest-rank percentile (`p` in 0...100) of unsorted values; nil when empty.
    public static func percentile<T: BinaryInteger>(_ values: [T], _ p: Double) -> T? {
        percentileOfSorted(values.sorted(), p)
    }

    public static func percentileOfSorted<T>(_ sorted: [T], _ p: Double) -> T? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Gini coefficient of non-negative values: 0 when all are equal, towards 1 when one holds everything.
    public static func gini(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = Double(sorted.count)
        let total = sorted.reduce(0, +)
        guard sorted.count > 1, total > 0 else { return 0 }
        var weighted = 0.0
        for (index, value) in sorted.enumerated() { weighted += Double(index + 1) * value }
        return (2 * weighted) / (n * total) - (n + 1) / n
    }

    /// Lorenz curve of `values` ordered by `order` ascending: cumulative (share of order-weight, share of value) points.
    public static func lorenz(values: [Double], weights: [Double]) -> [(x: Double, y: Double)] {
        let pairs = zip(values, weights).map { (ratio: $1 > 0 ? $0 / $1 : 0, value: $0, weight: $1) }.sorted { $0.ratio < $1.ratio }
        let totalValue = pairs.reduce(0) { $0 + $1.value }
        let totalWeight = pairs.reduce(0) { $0 + $1.weight }
        guard totalValue > 0, totalWeight > 0 else { return [(0, 0), (1, 1)] }
        var points: [(x: Double, y: Double)] = [(0, 0)]
        var x = 0.0, y = 0.0
        for pair in pairs {
            x += pair.weight / totalWeight
            y += pair.value / totalValue
            points.append((x, y))
        }
        return points
    }

    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
