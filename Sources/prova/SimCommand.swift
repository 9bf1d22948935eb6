import ArgumentParser
import Foundation
import ProvaCore
import ProvaLedger
import ProvaSim

/// `prova sim`: drives the real ledger with simulated workers and users and measures what the network does.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate the network with the real ledger: utilization, latency, fees and who earns what.",
        discussion: """
        Runs thousands of simulated workers (CPU and GPU nodes owned by operators of very different sizes) against the real \
        ProvaLedger, block by block, under a Poisson workload at the offered load. Prints `name: value` lines (or --json) and \
        writes CSV tables and SVG charts under --out. `--mechanism all` runs every mechanism on the same workload and \
        adds comparison files. Same options and seed, same numbers.
        """)

    @Option(help: "Simulated workers (prover nodes).") var workers = 10_000
    @Option(help: "Operators owning them (sizes follow Zipf's law).") var operators = 200
    @Option(help: "Ledger tasks to submit (a workflow counts its steps).") var tasks = 1_000_000
    @Option(help: "Offered load: expected reservations over declared capacity, e.g. 0.95.") var load = 0.95
    @Option(help: "Prover selection: random (the protocol), uniform (one uniform draw, no placement tiers), stake, auction, race, or all (same workload).") var mechanism = "random"
    @Option(name: .customLong("failure-rate"), help: "Chance an assignment goes wrong (silence, timeout, failed run, wrong proof).") var failureRate = 0.02
    @Option(help: "Seed: the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "Directory for CSV and SVG output (created if missing).") var out: String?
    @Option(name: .customLong("block-interval"), help: "Block interval, e.g. 1s or 500ms.") var blockInterval = "1s"
    @Option(name: .customLong("race-provers"), help: "Provers racing each job under --mechanism race.") var raceProvers: Int64 = 3
    @Option(help: "Network: standard (CPU and GPU nodes and jobs) or cpu-only.") var mix = "standard"
    @Option(help: "Run an attack experiment instead of the workload: grind (an operator grinding draws; see docs/ALLOCATION.md).") var attack: String?
    @Option(name: .customLong("attacker-share"), help: "--attack grind: the attacker's share of the workers, e.g. 0.25.") var attackerShare = 0.25
    @Option(name: .customLong("seed-rule"), help: "--attack grind: what seeds draws: beacon (the protocol) or block-hash (the rule it replaced).") var seedRule = "beacon"
    @Option(name: .customLong("grind-tries"), help: "--attack grind: variants the attacker tries per transaction.") var grindTries = 64
    @Option(name: .customLong("lazy-verifiers"), help: "Share of workers that, as verifiers, commit `valid` at once without running, e.g. 0.3; the summary adds invalid_accepted and lazy_earnings_ratio.") var lazyVerifiers = 0.0
    @Option(name: .customLong("invalid-proofs"), help: "Share of delivered proofs that are invalid (default 0.01 with --lazy-verifiers, else 0).") var invalidProofs: Double?
    @Flag(help: "Print the summary as JSON.") var json = false
    @Flag(help: "No progress lines on stderr.") var quiet = false

    func run() async throws {
        if let attack {
            guard attack == "grind" else { throw ValidationError("--attack must be grind (got '\(attack)')") }
            return try runGrind()
        }
        let mechanisms: [Mechanism]
        if mechanism == "all" {
            mechanisms = Mechanism.allCases
        } else if let one = Mechanism(rawValue: mechanism) {
            mechanisms = [one]
        } else {
            throw ValidationError("--mechanism must be one of random, uniform, stake, auction, race, all (got '\(mechanism)')")
        }
        let interval = try parseInterval(blockInterval)
        guard mix == "standard" || mix == "cpu-only" else { throw ValidationError("--mix must be standard or cpu-only (got '\(mix)')") }
        var reports: [(SimReport, Double)] = []
        for chosen in mechanisms {
            let config = SimConfig(workers: workers, operators: operators, tasks: tasks, load: load, mechanism: chosen, failureRate: failureRate,
                                   seed: seed, blockIntervalMilliseconds: interval, raceProvers: raceProvers, gpus: mix == "standard",
                                   lazyVerifiers: lazyVerifiers, invalidProofs: invalidProofs ?? (lazyVerifiers > 0 ? 0.01 : 0))
            do {
                reports.append(try runOne(config))
            } catch let error as SimError {
                Self.standardError("error: \(error.message)")
                if let cause = error.cause { Self.standardError("  cause: \(cause)") }
                throw ExitCode.failure
            }
        }
        if let out {
            do {
                for (report, _) in reports {
                    let directory = reports.count > 1 ? "\(out)/\(report.config.mechanism.rawValue)" : out
                    try write(ReportFiles.files(for: report), to: directory)
                }
                if reports.count > 1 { try write(ReportFiles.comparisonFiles(for: reports.map(\.0)), to: out) }
            } catch {
                Self.standardError("error: could not write the results under '\(out)'; check the path and its permissions")
                Self.standardError("  cause: \(error)")
                throw ExitCode.failure
            }
        }
        if json {
            let objects = reports.map { Self.jsonObject($0.0, wallSeconds: $0.1) }
            print(objects.count == 1 ? objects[0] : "[\n" + objects.joined(separator: ",\n") + "\n]")
        } else {
            for (index, (report, wall)) in reports.enumerated() {
                if index > 0 { print("") }
                print(report.summaryText)
                print("wall_seconds: \(SimReport.format(wall, decimals: 1))")
                print("blocks_per_s: \(SimReport.format(wall > 0 ? Double(report.blocks) / wall : 0, decimals: 1))")
            }
        }
    }

    /// `--attack grind`: the grinding experiment on the real ledger under one seed rule.
    func runGrind() throws {
        guard let rule = SeedRule(rawValue: seedRule) else { throw ValidationError("--seed-rule must be beacon or block-hash (got '\(seedRule)')") }
        let config = GrindExperiment.Config(workers: workers, attackerShare: attackerShare, tasks: tasks, seedRule: rule, grindTries: grindTries)
        let quiet = self.quiet
        do {
            var experiment = try GrindExperiment(config: config)
            let report = try experiment.run { height, sent in
                if !quiet && height % 500 == 0 { Self.standardError("[grind \(rule.rawValue)] block \(height), \(sent) tasks sent") }
            }
            if json {
                print("{\n" + report.lines.map { line in
                    let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    return "  \"\(parts[0])\": \"\(parts[1])\""
                }.joined(separator: ",\n") + "\n}")
            } else {
                for line in report.lines { print(line) }
            }
        } catch let error as SimError {
            Self.standardError("error: \(error.message)")
            if let cause = error.cause { Self.standardError("  cause: \(cause)") }
            throw ExitCode.failure
        }
    }

    func runOne(_ config: SimConfig) throws -> (SimReport, Double) {
        var simulation = try Simulation(config: config)
        let clock = ContinuousClock()
        let start = clock.now
        var lastPrint = start
        let quiet = self.quiet
        let report = try simulation.run { sim, _ in
            guard !quiet else { return }
            let now = clock.now
            guard now - lastPrint >= .seconds(5) else { return }
            lastPrint = now
            let elapsed = Double((now - start).components.seconds)
            Self.standardError("[\(config.mechanism.rawValue)] block \(sim.height), \(sim.progressLine), \(Int(elapsed)) s")
        }
        let duration = clock.now - start
        let wall = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return (report, wall)
    }

    func parseInterval(_ text: String) throws -> Int64 {
        if text.hasSuffix("ms"), let value = Int64(text.dropLast(2)), value >= 100 { return value }
        if let seconds = try? Units.parseDuration(text), seconds >= 1 { return seconds * 1000 }
        throw ValidationError("--block-interval must be at least 100ms, written like 1s or 500ms (got '\(text)')")
    }

    func write(_ files: [(path: String, contents: String)], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(file.path)"))
        }
    }

    /// The summary as one JSON object: numbers as numbers, the mechanism as a string.
    static func jsonObject(_ report: SimReport, wallSeconds: Double) -> String {
        var fields = report.summary.map { entry in
            entry.name == "mechanism" ? "  \"mechanism\": \"\(entry.text)\"" : "  \"\(entry.name)\": \(SimReport.format(entry.value, decimals: 6))"
        }
        fields.append("  \"wall_seconds\": \(SimReport.format(wallSeconds, decimals: 3))")
        fields.append("  \"blocks_per_s\": \(SimReport.format(wallSeconds > 0 ? Double(report.blocks) / wallSeconds : 0, decimals: 3))")
        return "{\n" + fields.joined(separator: ",\n") + "\n}"
    }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
