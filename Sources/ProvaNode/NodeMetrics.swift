public import Prometheus
import ProvaCore

/// The node's Prometheus metrics, in a registry of its own (no global bootstrap, so several nodes can share a process).
public struct NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let height: Gauge
    let blockInterval: ValueHistogram
    let mempoolSize: Gauge
    let transactions: Counter
    let mempoolFull: Counter
    let requestDuration: DurationHistogram
    let diverged: Gauge
    let blocksProposed: Counter
    let proposalsLost: Counter

    public init() {
        height = registry.makeGauge(descriptor: Self.metric("prova_block_height", "Height of the last committed block"))
        blockInterval = registry.makeValueHistogram(descriptor: Self.metric("prova_block_interval_seconds", "Time between consecutive blocks"),
                                                    buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5])
        mempoolSize = registry.makeGauge(descriptor: Self.metric("prova_mempool_size", "Transactions waiting for a block"))
        transactions = registry.makeCounter(descriptor: Self.metric("prova_transactions_committed_total", "Transactions committed in blocks"))
        mempoolFull = registry.makeCounter(descriptor: Self.metric("prova_mempool_full_total", "Transactions refused because the mempool was full"))
        diverged = registry.makeGauge(descriptor: Self.metric("prova_diverged", "1 when this validator stopped applying the cluster's blocks because it disagrees with them"))
        blocksProposed = registry.makeCounter(descriptor: Self.metric("prova_blocks_proposed_total", "Blocks this validator proposed that the cluster took"))
        proposalsLost = registry.makeCounter(descriptor: Self.metric("prova_proposals_lost_total", "Blocks this validator proposed after another validator's block took the height"))
        requestDuration = registry.makeDurationHistogram(
            descriptor: Self.metric("prova_api_request_duration_seconds", "API request latency"),
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)])
    }

    func recordBlock(height value: UInt64, intervalSeconds: Double?, transactions count: Int) {
        height.set(Double(value))
        if let intervalSeconds { blockInterval.record(intervalSeconds) }
        if count > 0 { transactions.increment(by: Int64(count)) }
    }

    func recordMempool(size: Int) { mempoolSize.set(Double(size)) }
    func mempoolRejected() { mempoolFull.increment() }

    func recordTaskStates(_ counts: [String: Int]) {
        for state in ["pending", "assigned", "running", "delivered", "verified", "failed", "cancelled", "expired"] {
            registry.makeGauge(descriptor: Self.metric("prova_tasks", "Tasks by state"), labels: [("state", state)]).set(Double(counts[state] ?? 0))
        }
    }

    public func render() -> String { registry.emitToString() }

    /// A metric's full name (units already in it, as Prometheus recommends) and help text.
    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
