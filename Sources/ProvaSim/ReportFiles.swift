/// The files a run writes under `--out`: CSV tables and SVG charts, as (relative path, contents).
/// Rendering is pure; the command line writes them.
public enum ReportFiles {
    public static func files(for report: SimReport) -> [(path: String, contents: String)] {
        let label = report.config.mechanism.rawValue
        return [
            ("summary.csv", summaryCSV(report)),
            ("timeseries.csv", timeseriesCSV(report)),
            ("classes.csv", classesCSV(report)),
            ("operators.csv", operatorsCSV(report)),
            ("utilization.svg", utilizationChart([report], title: "Utilization of declared capacity (\(label))", detailed: true)),
            ("latency.svg", latencyChart([report])),
            ("queue.svg", queueChart(report)),
            ("lorenz.svg", lorenzChart([report])),
        ]
    }

    /// Side-by-side files for runs of several mechanisms on the same workload.
    public static func comparisonFiles(for reports: [SimReport]) -> [(path: String, contents: String)] {
        let names = reports.map(\.config.mechanism.rawValue)
        let metrics = ["utilization", "p50_queue_blocks", "p99_queue_blocks", "p50_latency_s", "p99_latency_s", "fulfilment_rate", "fallback_rate",
                       "fee_per_proof_credits", "top1_capacity_share", "top1_reward_share", "top10_capacity_share", "top10_reward_share", "reward_gini"]
        var csv = "metric," + names.joined(separator: ",") + "\n"
        for metric in metrics {
            csv += metric + "," + reports.map { SimReport.format($0.value(metric) ?? 0, decimals: 6) }.joined(separator: ",") + "\n"
        }
        let shares = SVG.barChart(
            title: "Reward share vs capacity share of the largest operators", categories: names,
            series: [("top 1 capacity", reports.map { 100 * ($0.value("top1_capacity_share") ?? 0) }),
                     ("top 1 reward", reports.map { 100 * ($0.value("top1_reward_share") ?? 0) }),
                     ("top 10 capacity", reports.map { 100 * ($0.value("top10_capacity_share") ?? 0) }),
                     ("top 10 reward", reports.map { 100 * ($0.value("top10_reward_share") ?? 0) })],
            yLabel: "% of total", yFormat: { SimReport.format($0, decimals: 0) })
        let service = SVG.barChart(
            title: "Utilization and fulfilment", categories: names,
            series: [("utilization %", reports.map { 100 * ($0.value("utilization") ?? 0) }),
                     ("fulfilment %", reports.map { 100 * ($0.value("fulfilment_rate") ?? 0) })],
            yLabel: "%", yFormat: { SimReport.format($0, decimals: 0) })
        let queue = SVG.barChart(
            title: "Queueing delay (blocks)", categories: names,
            series: [("p50", reports.map { $0.value("p50_queue_blocks") ?? 0 }), ("p99", reports.map { $0.value("p99_queue_blocks") ?? 0 })],
            yLabel: "blocks")
        return [
            ("comparison.csv", csv),
            ("comparison-shares.svg", shares),
            ("comparison-service.svg", service),
            ("comparison-queue.svg", queue),
            ("comparison-utilization.svg", utilizationChart(reports, title: "Utilization of declared capacity (priced)", detailed: false)),
            ("comparison-latency.svg", latencyChart(reports)),
            ("comparison-lorenz.svg", lorenzChart(reports)),
        ]
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingAll("\"", with: "\"\"") + "\"" : text
    }

    static func summaryCSV(_ report: SimReport) -> String {
        "name,value,text\n" + report.summary.map { "\($0.name),\(SimReport.format($0.value, decimals: 6)),\(csvField($0.text))" }.joined(separator: "\n") + "\n"
    }

    static func timeseriesCSV(_ report: SimReport) -> String {
        var out = "height,seconds,utilization,cpu,memory,gpu,open_tasks,queued_tasks,transactions\n"
        for s in report.samples {
            out += "\(s.height),\(SimReport.format(s.seconds, decimals: 1)),\(SimReport.format(s.priced, decimals: 4)),\(SimReport.format(s.cpu, decimals: 4)),"
            out += "\(SimReport.format(s.memory, decimals: 4)),\(SimReport.format(s.gpu, decimals: 4)),\(s.openTasks),\(s.queued),\(s.transactions)\n"
        }
        return out
    }

    static func classesCSV(_ report: SimReport) -> String {
        var out = "class,submitted,verified,failed,expired,p50_queue_blocks,p99_queue_blocks,p50_latency_s,p99_latency_s\n"
        for row in report.classes {
            out += "\(row.name),\(row.submitted),\(row.verified),\(row.failed),\(row.expired),\(row.p50QueueBlocks),\(row.p99QueueBlocks),"
            out += "\(SimReport.format(row.p50LatencySeconds, decimals: 1)),\(SimReport.format(row.p99LatencySeconds, decimals: 1))\n"
        }
        return out
    }

    static func operatorsCSV(_ report: SimReport) -> String {
        var out = "rank,workers,capacity_share,reward_share,reward_credits\n"
        for row in report.operators {
            out += "\(row.rank),\(row.workers),\(SimReport.format(row.capacityShare, decimals: 6)),\(SimReport.format(row.rewardShare, decimals: 6)),"
            out += "\(SimReport.format(Double(row.reward) / 1_000_000, decimals: 6))\n"
        }
        return out
    }

    static func utilizationChart(_ reports: [SimReport], title: String, detailed: Bool) -> String {
        var series: [SVG.Series] = []
        for (index, report) in reports.enumerated() {
            let name = reports.count > 1 ? report.config.mechanism.rawValue : "priced (headline)"
            series.append(SVG.Series(name: name, points: report.samples.map { ($0.seconds / 60, 100 * $0.priced) }, color: SVG.palette[index % SVG.palette.count]))
        }
        if detailed, let report = reports.first {
            series.append(SVG.Series(name: "cpu", points: report.samples.map { ($0.seconds / 60, 100 * $0.cpu) }, color: SVG.palette[1], dashed: true))
            series.append(SVG.Series(name: "memory", points: report.samples.map { ($0.seconds / 60, 100 * $0.memory) }, color: SVG.palette[2], dashed: true))
            series.append(SVG.Series(name: "gpu", points: report.samples.map { ($0.seconds / 60, 100 * $0.gpu) }, color: SVG.palette[3], dashed: true))
        }
        return SVG.lineChart(title: title, series: series, xLabel: "simulated minutes", yLabel: "% of declared capacity reserved", yRange: 0...100)
    }

    static func latencyChart(_ reports: [SimReport]) -> String {
        let series = reports.enumerated().map { index, report in
            let count = report.latencyQuantiles.count
            let points = report.latencyQuantiles.enumerated().map { (x: $1, y: count > 1 ? 100 * Double($0) / Double(count - 1) : 100) }
            return SVG.Series(name: report.config.mechanism.rawValue, points: points, color: SVG.palette[index % SVG.palette.count])
        }
        let longest = reports.compactMap { $0.latencyQuantiles.last }.max() ?? 1
        return SVG.lineChart(title: "End-to-end latency (arrival to verified proof), CDF", series: series, xLabel: "seconds",
                             yLabel: "% of verified tasks", xRange: 0...max(longest, 1), yRange: 0...100)
    }

    static func queueChart(_ report: SimReport) -> String {
        let total = Double(max(report.queueHistogram.reduce(0, +), 1))
        let shown = min(report.queueHistogram.count, 20)
        let values = (0..<max(shown, 1)).map { index in index < report.queueHistogram.count ? 100 * Double(report.queueHistogram[index]) / total : 0 }
        return SVG.barChart(title: "Queueing delay: blocks from submission to first assignment (\(report.config.mechanism.rawValue))",
                            categories: values.indices.map { "\($0)" }, series: [("tasks %", values)], yLabel: "% of tasks",
                            yFormat: { SimReport.format($0, decimals: 1) })
    }

    static func lorenzChart(_ reports: [SimReport]) -> String {
        var series = [SVG.Series(name: "equal reward per unit of capacity", points: [(0, 0), (100, 100)], color: "#999999", dashed: true)]
        for (index, report) in reports.enumerated() {
            series.append(SVG.Series(name: report.config.mechanism.rawValue, points: report.lorenz.map { (100 * $0[0], 100 * $0[1]) },
                                     color: SVG.palette[index % SVG.palette.count]))
        }
        return SVG.lineChart(title: "Lorenz curve of reward per unit of capacity across operators", series: series,
                             xLabel: "% of capacity (operators by reward per capacity, ascending)", yLabel: "% of rewards",
                             xRange: 0...100, yRange: 0...100)
    }
}
