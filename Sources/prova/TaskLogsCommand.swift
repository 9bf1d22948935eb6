import ArgumentParser
import ProvaClient
import ProvaCore

extension TaskCommand {
    /// `prova task logs`: what each run printed, and how it ended.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the program's stdout and stderr of each run, with its exit reason and measured usage.",
            discussion: """
            The logs are downloaded by the digests the result recorded on the chain, and checked. The exit reason is \
            spelled out: "OOM-killed at 2GiB (exit code 137)", "killed at the time limit of 1m", "exit code 3". \
            --role verifier lists the verifier runs and their votes (a verifier's output is not kept). --follow prints \
            each run as it reports, until the task ends.

            Example: prova task logs 9c1e… --attempt 1
            """)
        @Argument(help: "Task ID.") var id: String
        @Option(help: "Only this attempt (1, 2, …).") var attempt: Int?
        @Option(help: "prover (default) or verifier.") var role: String = "prover"
        @Flag(help: "Print each run as it reports, until the task ends.") var follow = false
        @OptionGroup var options: NodeOptions

        func validate() throws {
            guard RunRole(rawValue: role) != nil else { throw ValidationError("--role must be prover or verifier") }
            if let attempt, !(1...Int(Limits.maxAttempt)).contains(attempt) {
                throw ValidationError("--attempt must be 1 to \(Limits.maxAttempt)")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let client = try options.client()
                let role = RunRole(rawValue: self.role) ?? .prover
                guard follow else {
                    let record = try await client.task(id)
                    let logs = try await client.runLogs(of: record, attempt: attempt, role: role)
                    if options.json { return try Output.json(logs) }
                    guard !logs.isEmpty else {
                        if record.state.isTerminal { return print("task \(id) ended \(record.state.rawValue) with no \(role.rawValue) runs") }
                        return print("task \(id) has no \(role.rawValue) runs yet; follow it with `prova task logs \(id) --follow`")
                    }
                    for (index, log) in logs.enumerated() {
                        if index > 0 { print("") }
                        RunLogPrinter.print(log)
                    }
                    return
                }
                let printer = RunLogPrinter()
                for try await record in client.watchTask(id) {
                    // An attempt asked for that does not exist yet is not an error while following.
                    guard attempt.map({ number in record.attempts.contains { $0.number == number } }) ?? true else { continue }
                    for log in printer.unprinted(try await client.runLogs(of: record, attempt: attempt, role: role)) {
                        if options.json { try Output.compactJSON(log) } else { RunLogPrinter.print(log); print("") }
                    }
                }
            }
        }
    }
}
