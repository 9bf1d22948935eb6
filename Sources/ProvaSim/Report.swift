public import ProvaCore

/// One `name: value` line of the summary, with the number behind it for JSON and CSV.
public struct SummaryEntry: Sendable, Codable, Hashable {
    public var name: String
    public var value: Double
    public var text: String
}

/// Per operator: what it declared and what it earned.
public struct OperatorRow: Sendable, Codable, Hashable {
    public var rank: Int
    public var workers: Int
    public var capacityShare: Double
    public var rewardShare: Double
    public var reward: MicroCredits
}

/// Per task class: counts and percentiles.
public struct ClassRow: Sendable, Codable, Hashable {
    public var name: String
    public var submitted: Int
    public var verified: Int
    public var failed: Int
    public var expired: Int
    public var p50QueueBlocks: Int
    public var p99QueueBlocks: Int
    public var p50LatencySeconds: Double
    public var p99LatencySeconds: Double
}

/// Everything a run measured.
public struct SimReport: Sendable, Codable {
    public var config: SimConfig
    public var summary: [SummaryEntry]
    public var classes: [ClassRow]
    public var operators: [OperatorRow]
    public var samples: [UtilizationSample]
    /// Lorenz curve of reward per unit of capacity across operators.
    public var lorenz: [[Double]]
    /// Distribution of queueing delay: count of tasks per whole number of blocks (index = blocks).
    public var queueHistogram: [Int]
    /// Sorted end-to-end latencies in seconds, thinned to at most 1,000 quantiles for charts.
    public var latencyQuantiles: [Double]
    public var finalStateDigest: String
    public var blocks: UInt64

    public func value(_ name: String) -> Double? { summary.first { $0.name == name }?.value }

    /// The stdout form: one `name: value` per line.
    public var summaryText: String {
        summary.map { "\($0.name): \($0.text)" }.joined(separator: "\n")
    }
}

extension SimReport {
    public static func percent(_ value: Double) -> String { format(value * 100, decimals: 1) + "%" }

    /// Fixed-point formatting without Foundation.
    public static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(whole)" }
        let digits = String(fraction)
        return "\(sign)\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
    }
}
