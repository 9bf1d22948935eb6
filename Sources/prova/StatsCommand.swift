import Foundation
import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova stats`: what the network did — throughput, latency, fulfilment, utilization.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Network statistics: proofs, latency, fulfilment, utilization.")

    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingErrors {
            let stats = try await options.client().stats()
            if options.json { return try Output.json(stats) }
            func latency(_ milliseconds: Int64?) -> String { milliseconds.map { Output.clock(milliseconds: $0) } ?? "-" }
            Output.fields([
                ("height", String(stats.height)),
                ("proofs (24 h)", String(stats.proofsLast24Hours)),
                ("tasks", "\(stats.tasksSubmitted) submitted, \(stats.tasksVerified) verified, \(stats.tasksFailed) failed, \(stats.fallbacks) fallbacks"),
                ("latency to verified", "p50 \(latency(stats.latencyP50Milliseconds)), p90 \(latency(stats.latencyP90Milliseconds)), p99 \(latency(stats.latencyP99Milliseconds))"),
                ("latency to delivered", "p50 \(latency(stats.deliveryP50Milliseconds))"),
                ("fulfilment", stats.fulfilmentPercent.map { String(format: "%.1f%%", $0) } ?? "-"),
                ("utilization", String(format: "%.1f%%", stats.utilizationPercent)),
                ("workers", "\(stats.activeWorkers) active" + stats.workersByStatus.filter { $0.key != "active" }.sorted { $0.key < $1.key }.map { ", \($0.value) \($0.key)" }.joined()),
                ("capacity", "\(stats.capacity.summary) (reserved \(stats.reserved.summary))"),
                ("task states", stats.tasksByState.isEmpty ? "-" : stats.tasksByState.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
                ("minted", Output.credits(stats.minted)), ("treasury", Output.credits(stats.treasury)), ("burned", Output.credits(stats.burned)),
                ("mempool", String(stats.mempoolSize)),
            ])
        }
    }
}
