import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

/// `prova task`: inspect and follow tasks.
struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Show, list, watch and cancel tasks; read their runs' logs.",
        subcommands: [Show.self, List.self, Watch.self, Logs.self, Cancel.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task: attempts, results, votes and money.")
        @Argument(help: "Task ID.") var id: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let task = try await options.client().task(id)
                if options.json { return try Output.json(task) }
                TaskCommand.describe(task)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, newest first.")
        @Option(help: "Only tasks in this state: pending, assigned, running, delivered, verified, failed, cancelled, expired.")
        var state: String?
        @Flag(help: "Only tasks requested by --key.") var mine = false
        @Option(help: "With --mine: the key whose tasks to list.") var key: String?
        @Option(help: "Only tasks of this program.") var program: String?
        @Option(help: "Only tasks proved by this worker address.") var worker: String?
        @Option(help: "At most this many.") var limit: Int?
        @OptionGroup var options: NodeOptions

        func validate() throws {
            if mine, key == nil { throw ValidationError("--mine needs --key NAME (whose tasks are 'mine')") }
            if let state, TaskState(rawValue: state) == nil {
                throw ValidationError("--state '\(state)' is not a task state; use pending, assigned, running, delivered, verified, failed, cancelled or expired")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let requester = try mine ? key.map { try KeyStore.standard().info($0).address } : nil
                let tasks = try await options.client().tasks(state: state.flatMap(TaskState.init(rawValue:)), requester: requester,
                                                             program: program, worker: worker, limit: limit)
                if options.json { return try Output.json(tasks) }
                guard !tasks.isEmpty else { return print("no tasks match") }
                Output.table(["ID", "STATE", "PROGRAM", "RESOURCES", "LIMIT", "FEE (cr)", "SUBMITTED"], tasks.map {
                    [$0.id, $0.state.rawValue, Output.short($0.program), $0.resources.summary, Units.formatDuration($0.timeLimitSeconds),
                     Units.formatCredits($0.feePerSlot * $0.redundancy), Output.time($0.submittedAtMilliseconds) ?? "-"]
                })
            }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a task live until it is verified or failed.",
            discussion: """
            On a terminal, one line updates in place; piped, a line per change. With --logs, each run's stdout, stderr, \
            exit reason and usage are printed as it reports. Exits 0 when verified, 1 otherwise.

            Example: prova task watch 9c1e… --logs
            """)
        @Argument(help: "Task ID.") var id: String
        @Flag(help: "Also print each prover run's logs and exit reason as it reports.") var logs = false
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let client = try options.client()
                let printer = logs && !options.json ? RunLogPrinter() : nil
                let final = try await watchWithProgress(client, task: id, showProgress: !options.json) { record, line in
                    guard let printer else { return }
                    let fresh = printer.unprinted(try await client.runLogs(of: record))
                    guard !fresh.isEmpty else { return }
                    line.finish()
                    for log in fresh { RunLogPrinter.print(log) }
                }
                if options.json { try Output.json(final) }
                if final.state == .acceptedUnverified {
                    Output.standardError(TaskCommand.unverifiedWarning(final))  // stderr: JSON on stdout stays clean
                } else if final.state != .verified {
                    if !options.json, !logs { Output.standardError(TaskCommand.failureHint(final)) }
                    throw ExitCode.failure
                }
            }
        }
    }

    /// What an accepted-unverified task means: its outputs were accepted with fewer votes than requested.
    static func unverifiedWarning(_ task: TaskRecord) -> String {
        let attempt = task.verifiedAttempt.flatMap { task.attempts.indices.contains($0 - 1) ? task.attempts[$0 - 1] : nil }
        let votes = attempt?.verifiers.filter { $0.state == .voted }.count ?? 0
        return "warning: task \(task.id) is accepted-unverified: \(votes) of \(task.verifierCount) requested verifiers voted "
            + "(too few eligible workers\(task.proverSet.map { " in prover set \($0)" } ?? "")); the proof was not checked as requested"
    }

    /// What to do after a task ended without a verified proof.
    static func failureHint(_ task: TaskRecord) -> String {
        task.attempts.contains { $0.result != nil }
            ? "task \(task.id) ended \(task.state.rawValue); read what the program printed and why each run ended with `prova task logs \(task.id)`"
            : "task \(task.id) ended \(task.state.rawValue); see its attempts with `prova task show \(task.id)`"
    }

    static func describe(_ task: TaskRecord) {
        Output.fields([
            ("task", task.id), ("state", task.state.rawValue), ("kind", task.kind.rawValue), ("program", task.program),
            ("requester", task.requester),
            ("resources", "\(task.resources.summary), time limit \(Units.formatDuration(task.timeLimitSeconds))"),
            ("redundancy", task.redundancy > 1 ? String(task.redundancy) : nil), ("verifiers", String(task.verifierCount)),
            ("prover set", task.proverSet), ("workflow", task.workflow.map { "\($0) step \(task.step ?? "?")" }),
            ("inputs", task.inputs.isEmpty ? nil : task.inputs.map { "\($0.path) (\(Units.formatBytes($0.size)))" }.joined(separator: ", ")),
            ("fee", Output.credits(task.feePerSlot * task.redundancy)), ("escrow", Output.credits(task.escrow)),
            ("paid", task.paid > 0 ? Output.credits(task.paid) : nil), ("refunded", task.refunded > 0 ? Output.credits(task.refunded) : nil),
            ("burned", task.burned > 0 ? Output.credits(task.burned) : nil),
            ("submitted", Output.time(task.submittedAtMilliseconds).map { "\($0) (block \(task.submittedAtHeight))" }),
            ("delivered", Output.time(task.deliveredAtMilliseconds)), ("completed", Output.time(task.completedAtMilliseconds)),
            ("failure", task.failure),
        ])
        for attempt in task.attempts {
            print("")
            var line = "attempt \(attempt.number) (slot \(attempt.slot)): \(attempt.state.rawValue), worker \(attempt.worker ?? "-")"
            if attempt.number == task.verifiedAttempt { line += "  ✔ verified" }
            print(line)
            var rows: [(String, String?)] = [("  assigned", Output.time(attempt.assignedAtMilliseconds)), ("  accepted", Output.time(attempt.acceptedAtMilliseconds))]
            if let result = attempt.result {
                let status = RunOutcome.describe(result, memoryBytes: task.resources.memoryBytes, timeLimitSeconds: task.timeLimitSeconds)
                rows.append(("  result", status + (result.message.map { " — \($0)" } ?? "")))
                rows.append(("  usage", "wall \(Output.clock(milliseconds: result.usage.wallMilliseconds)), cpu \(Output.clock(milliseconds: result.usage.cpuMilliseconds)), peak memory \(Units.formatBytes(result.usage.peakMemoryBytes))"))
                for output in result.outputs { rows.append(("  output", "\(output.path) \(Units.formatBytes(output.size)) \(output.digest)")) }
                if result.stdoutDigest != nil || result.stderrDigest != nil {
                    rows.append(("  logs", "prova task logs \(task.id) --attempt \(attempt.number)"))
                }
            }
            if !attempt.verifiers.isEmpty {
                let voted = attempt.verifiers.filter { $0.vote != nil }.count
                rows.append(("  votes", "\(voted)/\(attempt.verifiersNeeded): " + attempt.verifiers.map { "\(Output.short($0.worker)) \($0.vote?.rawValue ?? $0.state.rawValue)" }.joined(separator: ", ")))
            }
            rows.append(("  failure", attempt.failure))
            Output.fields(rows)
        }
    }
}
