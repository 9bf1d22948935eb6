import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova quote`: the firm price of a request before making it.
struct QuoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote",
        abstract: "Price a request: resources × unit prices × time limit, per slot and in total.",
        discussion: "Example: prova quote --cpus 32 --memory 190GiB --gpus 1 --time 5m")

    @Option(help: "CPU cores (2, 1.5, 500m).") var cpus: String
    @Option(help: "Memory (512MiB, 2GiB, 190GB).") var memory: String
    @Option(help: "GPUs.") var gpus = "0"
    @Option(help: "Time limit (90s, 5m, 2h).") var time: String
    @Option(help: "Independent provers, each paid.") var redundancy: Int?
    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingErrors {
            // Checked here first so a typo names the option; the node gets the text as written.
            _ = try HumanUnits.resources(cpus: cpus, memory: memory, gpus: gpus)
            _ = try HumanUnits.duration(time)
            let quote = try await options.client().quote(cpus: cpus, memory: memory, gpus: gpus, time: time, redundancy: redundancy)
            if options.json { return try Output.json(quote) }
            Output.fields([
                ("request", "\(quote.resources.summary) for \(Units.formatDuration(quote.timeLimitSeconds))"),
                ("cpu", Output.credits(quote.cpu)), ("memory", Output.credits(quote.memory)), ("gpu", quote.gpu > 0 ? Output.credits(quote.gpu) : nil),
                ("per slot", Output.credits(quote.perSlot)),
                ("total", quote.redundancy > 1 ? "\(Output.credits(quote.total)) (× \(quote.redundancy))" : Output.credits(quote.total)),
            ])
        }
    }
}
