import Foundation
import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova events`: follow the ledger's events live (what workers see).
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow ledger events live, optionally filtered; reconnects and resumes if the connection drops.",
        discussion: "Example: prova events --account 5979a6a5… --from 1")

    @Option(help: "Only events of this worker address.") var worker: String?
    @Option(help: "Only events of this task.") var task: String?
    @Option(help: "Only events whose account or worker is this address (or key name).") var account: String?
    @Option(help: "Replay from this block height first.") var from: UInt64?
    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingErrors {
            let address = try account.map(AccountCommand.address(of:))
            for try await streamed in try options.client().events(worker: worker, task: task, account: address, from: from) {
                if options.json {
                    try Output.compactJSON(streamed.event)
                    continue
                }
                let event = streamed.event
                var parts = ["#\(event.height)", event.kind.rawValue]
                if let task = event.task { parts.append("task \(Output.short(task))") }
                if let attempt = event.attempt { parts.append("attempt \(attempt)") }
                if let worker = event.worker { parts.append("worker \(Output.short(worker))") }
                if let account = event.account { parts.append("account \(Output.short(account))") }
                if let program = event.program { parts.append("program \(Output.short(program))") }
                if let amount = event.amount { parts.append("\(Units.formatCredits(amount)) cr") }
                if let detail = event.detail { parts.append(detail) }
                print(parts.joined(separator: "  "))
                fflush(nil)
            }
        }
    }
}
