import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

/// `prova proof`: request proofs and fetch their outputs.
struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Request a proof, download its outputs, verify a proof made elsewhere.",
        subcommands: [Request.self, Get.self, Verify.self, Certificate.self, Check.self])

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Request a proof from a deployed program.",
            discussion: """
            Each --input is a local FILE (uploaded, mounted at /input/<file name>) or a remote file the workers fetch, \
            written URL#sha256:size, e.g. https://data.example/w.bin#<64 hex>:1048576 — the digest and size are \
            given because nothing is downloaded here.

            Resources and time limit default to the program's. The fee (Σ resource × price × time limit, times \
            --redundancy) is escrowed at once; `prova quote` shows it first.

            Example: prova proof request --program 3f2a… --input witness.bin --cpus 4 --memory 8GiB --time 5m --key alice --wait
            """)

        @Option(help: "Program ID.") var program: String
        @Option(help: ArgumentHelp("An input: FILE or URL#sha256:size (repeatable).", valueName: "input")) var input: [String] = []
        @Option(help: "CPU cores (default: the program's).") var cpus: String?
        @Option(help: "Memory, e.g. 2GiB (default: the program's).") var memory: String?
        @Option(help: "GPUs (default: the program's).") var gpus: String?
        @Option(help: "Time limit, e.g. 90s, 5m (default: the program's).") var time: String?
        @Option(help: "Independent provers; the first verified proof wins, each is paid.") var redundancy: Int64 = 1
        @Option(help: "Verifiers voting on each proof.") var verifiers: Int64 = 3
        @Option(help: "Draw provers and verifiers from this prover set only.") var proverSet: String?
        @Option(help: "KEY=VALUE for the prover (repeatable).") var env: [String] = []
        @Option(help: "Refuse to pay more than this many credits in total.") var maxFee: String?
        @Flag(help: "Follow the task until it is verified or failed; exit non-zero if it fails.") var wait = false
        @Option(help: "With --wait: give up after this long (e.g. 30m).") var timeout = "1h"
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let signer = try key.load()
                let sources = try input.map(InputSource.parse)
                let fee = try maxFee.map { try HumanUnits.credits($0, option: "--max-fee") }
                let waitLimit = try HumanUnits.duration(timeout, option: "--timeout")
                let client = try options.client()
                var resources: Resources
                var seconds: Seconds
                if let cpus, let memory, let time {
                    resources = try HumanUnits.resources(cpus: cpus, memory: memory, gpus: gpus ?? "0")
                    seconds = try HumanUnits.duration(time)
                } else {
                    let defaults = try await client.program(program).deploy
                    resources = defaults.defaultResources
                    seconds = defaults.defaultTimeLimitSeconds
                    if let cpus { resources.cpuMillicores = try HumanUnits.cpu(cpus) }
                    if let memory { resources.memoryBytes = try HumanUnits.bytes(memory) }
                    if let time { seconds = try HumanUnits.duration(time) }
                }
                if let gpus { resources.gpus = try HumanUnits.gpus(gpus) }
                if let proverSet { try await ProverSetEligibility.report(client, set: proverSet, verifiers: verifiers, needsProver: true) }
                let inputs = try await client.prepareInputs(sources, uploader: signer)
                let body = RequestProof(program: program, inputs: inputs, resources: resources, timeLimitSeconds: seconds,
                                        redundancy: redundancy, verifiers: verifiers, proverSet: proverSet, environment: env, maxFee: fee)
                let status = try await client.requestProof(body, signedBy: signer)
                let taskID = try client.createdID(status, what: "request")
                guard let final = try await followRequest(client, status: status, task: taskID, wait: wait, timeoutSeconds: waitLimit,
                                                          json: options.json) else { return }
                if options.json { try Output.json(final) }
                if final.state == .acceptedUnverified {
                    Output.standardError(TaskCommand.unverifiedWarning(final))  // stderr: JSON on stdout stays clean
                } else if final.state != .verified {
                    if !options.json { Output.standardError(TaskCommand.failureHint(final)) }
                    throw ExitCode.failure
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a task's proof outputs, checking every digest.",
            discussion: "Takes the verified attempt's outputs, or — unless --verified — the first delivered ones (downloadable before the votes are in).")

        @Argument(help: "Task ID.") var task: String
        @Option(help: "Directory to write the outputs into (created if needed).") var out: String
        @Flag(help: "Only accept a verified proof.") var verified = false
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let client = try options.client()
                let record = try await client.task(task)
                let (attempt, files) = try await client.downloadOutputs(of: record, to: URL(fileURLWithPath: out), requireVerified: verified)
                if options.json { return try Output.json(attempt.result?.outputs ?? []) }
                let verdict = attempt.number == record.verifiedAttempt ? "verified" : "delivered, not yet verified"
                print("attempt \(attempt.number) (\(verdict)) by \(attempt.worker ?? "-"):")
                Output.table(["FILE", "SIZE", "SHA-256"], files.map { [$0.file.path, Units.formatBytes($0.output.size), $0.output.digest] })
                if files.isEmpty { print("the proof has no output files") }
            }
        }
    }
}

extension ProofCommand {
    struct Certificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a verified task's certificate: its request, result and valid votes with the signed block headers and Merkle paths that committed them.",
            discussion: "Anyone can check the file with `prova proof check FILE --genesis genesis.json`, with no node.")

        @Argument(help: "Task ID.") var task: String
        @Option(help: "File to write the certificate to.") var out: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let certificate = try await options.client().certificate(task: task)
                let report = try certificate.check(genesis: try await options.client().genesis())
                try Data(try CanonicalJSON.encode(certificate) + [UInt8(ascii: "\n")]).write(to: URL(fileURLWithPath: out))
                if options.json { return try Output.json(report) }
                print("certificate of task \(task) written to \(out): attempt \(report.attempt) by \(report.prover), \(report.verifiers.count) valid votes of \(report.requestedVerifiers), blocks \(report.heights.map(String.init).joined(separator: ", "))")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a proof certificate offline, against the chain's genesis: signatures, Merkle paths, votes, every byte.")

        @Argument(help: "The certificate file (`prova proof certificate`).") var file: String
        @Option(help: "The chain's genesis.json (from any validator's data directory or `GET /v1/genesis`).") var genesis: String
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            guard let genesisBytes = FileManager.default.contents(atPath: genesis) else { throw ValidationError("cannot read \(genesis)") }
            let chainGenesis: Genesis
            do { chainGenesis = try JSONDecoder().decode(Genesis.self, from: genesisBytes) } catch {
                throw ValidationError("\(genesis) is not a Prova genesis: \(error)")
            }
            do {
                let (_, report) = try ProofCertificate.check(file: Array(bytes), genesis: chainGenesis)
                if json { return try Output.json(report) }
                print("valid: task \(report.task) attempt \(report.attempt) proved by \(report.prover), verified by \(report.verifiers.joined(separator: ", ")) (\(report.verifiers.count) of \(report.requestedVerifiers) requested)")
                for output in report.outputs { print("  \(output.path)  \(output.digest)  \(output.size) bytes") }
            } catch let error as ProvaCoreError {
                Output.standardError("invalid certificate: \(error.message)")
                throw ExitCode(1)
            }
        }
    }
}

/// Bounds a wait with a clear message.
func withTimeout<Result: Sendable>(seconds: Seconds, task: TaskID, _ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw ClientError(.timeout, "task \(task) is not finished after \(Units.formatDuration(seconds)); it goes on — follow it with `prova task watch \(task)`")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw CancellationError() }
        return result
    }
}

/// After a request is committed: without `--wait`, prints the task ID (or the status as JSON) and how to follow it, and
/// returns nil; with it, follows the task with a progress line until it ends or `timeoutSeconds` pass.
func followRequest(_ client: ProvaClient, status: TransactionStatus, task taskID: TaskID, wait: Bool, timeoutSeconds: Seconds,
                   json: Bool) async throws -> TaskRecord? {
    guard wait else {
        if json { try Output.json(status) } else { print(taskID) }
        if !json && Output.stdoutIsTerminal {
            Output.standardError("requested in block \(status.height.map(String.init) ?? "?"); follow it with `prova task watch \(taskID)`")
        }
        return nil
    }
    if !json { print("task \(taskID)") }
    return try await withTimeout(seconds: timeoutSeconds, task: taskID) {
        try await watchWithProgress(client, task: taskID, showProgress: !json)
    }
}
