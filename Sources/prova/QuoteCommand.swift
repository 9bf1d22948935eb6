import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova quote`: the firm price of a request before making it.
struct QuoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote",
        abstract: "Price a request: resources × unit prices × time limit, per slot and in total.",
        discussion: """
        With --program, the resources and time limit come from that program's history (`prova program show ID`: 1.5 × \
        the longest successful run and the largest peak memory), or its defaults before any run succeeded; --cpus, \
        --memory, --gpus and --time still override.

        Example: prova quote --cpus 32 --memory 190GiB --gpus 1 --time 5m
                 prova quote --program 3f2a…
        """)

    @Option(help: "Suggest resources and a time limit from this program's past runs.") var program: String?
    @Option(help: "CPU cores (2, 1.5, 500m).") var cpus: String?
    @Option(help: "Memory (512MiB, 2GiB, 190GB).") var memory: String?
    @Option(help: "GPUs.") var gpus: String?
    @Option(help: "Time limit (90s, 5m, 2h).") var time: String?
    @Option(help: "Independent provers, each paid.") var redundancy: Int?
    @OptionGroup var options: NodeOptions

    func validate() throws {
        if program == nil, cpus == nil || memory == nil || time == nil {
            throw ValidationError("give --cpus, --memory and --time, or --program ID to take them from that program's history")
        }
        if let redundancy, !(1...Int(Limits.maxRedundancy)).contains(redundancy) {
            throw ValidationError("--redundancy must be 1 to \(Limits.maxRedundancy)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            var basis: String?
            var cpus = self.cpus, memory = self.memory, gpus = self.gpus, time = self.time
            if let program {
                let statistics = try await client.programStatistics(program)
                let resources: Resources
                let seconds: Seconds
                if let suggestion = statistics.suggestion {
                    (resources, seconds, basis) = (suggestion.resources, suggestion.timeLimitSeconds,
                                                   "from \(statistics.runsSucceeded) successful run(s): \(suggestion.basis)")
                } else {
                    let deploy = try await client.program(program).deploy
                    (resources, seconds, basis) = (deploy.defaultResources, deploy.defaultTimeLimitSeconds,
                                                   "the program's defaults: no run of it has succeeded yet")
                }
                cpus = cpus ?? HumanArgument.cpu(resources.cpuMillicores)
                memory = memory ?? HumanArgument.bytes(resources.memoryBytes)
                gpus = gpus ?? String(resources.gpus)
                time = time ?? HumanArgument.duration(seconds)
            }
            guard let cpus, let memory, let time else { throw ValidationError("give --cpus, --memory and --time") }
            // Checked here first so a typo names the option; the node gets the text as written.
            _ = try HumanUnits.resources(cpus: cpus, memory: memory, gpus: gpus ?? "0")
            _ = try HumanUnits.duration(time)
            let quote = try await client.quote(cpus: cpus, memory: memory, gpus: gpus ?? "0", time: time, redundancy: redundancy)
            if options.json { return try Output.json(quote) }
            Output.fields([
                ("request", "\(quote.resources.summary) for \(Units.formatDuration(quote.timeLimitSeconds))"),
                ("options", program == nil ? nil : "--cpus \(cpus) --memory \(memory)\(quote.resources.gpus > 0 ? " --gpus \(quote.resources.gpus)" : "") --time \(time)"),
                ("basis", basis),
                ("cpu", Output.credits(quote.cpu)), ("memory", Output.credits(quote.memory)), ("gpu", quote.gpu > 0 ? Output.credits(quote.gpu) : nil),
                ("per slot", Output.credits(quote.perSlot)),
                ("total", quote.redundancy > 1 ? "\(Output.credits(quote.total)) (× \(quote.redundancy))" : Output.credits(quote.total)),
            ])
        }
    }
}
