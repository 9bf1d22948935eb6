import Prometheus
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

    public init() {
        height = registry.makeGauge(name: "prova_block_height", help: "Height of the last committed block")
        blockInterval = registry.makeValueHistogram(name: "prova_block_interval_seconds", buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5],
                                                    help: "Time between consecutive blocks")
        mempoolSize = registry.makeGauge(name: "prova_mempool_size", help: "Transactions waiting for a block")
        transactions = registry.makeCounter(name: "prova_transactions_committed_total", help: "Transactions committed in blocks")
        mempoolFull = registry.makeCounter(name: "prova_mempool_full_total", help: "Transactions refused because the mempool was full")
        requestDuration = registry.makeDurationHistogram(name: "prova_api_request_duration_seconds",
                                                         buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)],
                                                         help: "API request latency")
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
            registry.makeGauge(name: "prova_tasks", labels: [("state", state)], help: "Tasks by state").set(Double(counts[state] ?? 0))
        }
    }

    public func render() -> String { registry.emitToString() }
}
