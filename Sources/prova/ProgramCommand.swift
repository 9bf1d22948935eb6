import Foundation
import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova program`: deploy prover/verifier pairs and look them up.
struct ProgramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Deploy a prover and its verifier, list, show and retire programs.",
        subcommands: [Deploy.self, List.self, Show.self, Retire.self])

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deploy a prover program and its verifier program.",
            discussion: """
            --prover and --verifier take an OCI image archive (uploaded first) or the digest of an image already pushed \
            with `prova image push`.

            Commands are one string split on whitespace: --prover-command "/usr/bin/prove --fast". When an argument \
            contains spaces, give a JSON array instead: --prover-command '["/bin/sh","-c","prove > /output/proof"]'. \
            No shell quoting is applied.

            The prover reads /input and writes /output; the verifier reads /input and /proof and exits 0 (valid), \
            1 (invalid) or anything else (error). --cpus/--memory/--gpus/--time are the defaults used when a request \
            names none.

            Example: prova program deploy --name sha-chain --prover prover.tar --verifier verifier.tar \
            --prover-command "/prove" --verifier-command "/verify" --key alice
            """)

        @Option(help: "Program name: letters, digits, '-', '_', '.'.") var name: String
        @Option(help: ArgumentHelp("Prover image: an OCI archive file, or an image digest.", valueName: "file|digest")) var prover: String
        @Option(help: ArgumentHelp("Verifier image: an OCI archive file, or an image digest.", valueName: "file|digest")) var verifier: String
        @Option(help: "The prover's command (one string, split on spaces, or a JSON array; see above).") var proverCommand: String
        @Option(help: "The verifier's command (one string, split on spaces, or a JSON array; see above).") var verifierCommand: String
        @Option(help: "KEY=VALUE for the prover (repeatable).") var proverEnv: [String] = []
        @Option(help: "KEY=VALUE for the verifier (repeatable).") var verifierEnv: [String] = []
        @Option(help: "Default CPU cores of a proof (2, 1.5, 500m).") var cpus = "2"
        @Option(help: "Default memory of a proof (512MiB, 2GiB, 190GB).") var memory = "2GiB"
        @Option(help: "Default GPUs of a proof.") var gpus = "0"
        @Option(help: "Default time limit of a proof (90s, 5m, 2h).") var time = "2m"
        @Option(help: "CPU cores of one verification.") var verifierCpus = "1"
        @Option(help: "Memory of one verification.") var verifierMemory = "1GiB"
        @Option(help: "Time limit of one verification.") var verifierTime = "1m"
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let signer = try key.load()
                let defaults = try HumanUnits.resources(cpus: cpus, memory: memory, gpus: gpus)
                let seconds = try HumanUnits.duration(time)
                let verifierResources = try HumanUnits.resources(cpus: verifierCpus, memory: verifierMemory, prefix: "--verifier-")
                let verifierSeconds = try HumanUnits.duration(verifierTime, option: "--verifier-time")
                let proverArguments = try ProgramCommandLine.parse(proverCommand, option: "--prover-command")
                let verifierArguments = try ProgramCommandLine.parse(verifierCommand, option: "--verifier-command")
                let client = try options.client()
                let proverDigest = try await client.resolveImage(prover, option: "--prover", uploader: signer)
                let verifierDigest = try await client.resolveImage(verifier, option: "--verifier", uploader: signer)
                let body = DeployProgram(
                    name: name,
                    prover: ImageSpec(digest: proverDigest, command: proverArguments, environment: proverEnv),
                    verifier: ImageSpec(digest: verifierDigest, command: verifierArguments, environment: verifierEnv),
                    defaultResources: defaults, defaultTimeLimitSeconds: seconds,
                    verifierResources: verifierResources, verifierTimeLimitSeconds: verifierSeconds)
                let status = try await client.send(.deployProgram(body), signedBy: signer)
                if options.json { return try Output.json(status) }
                print("deployed program '\(name)' in block \(status.height.map(String.init) ?? "?")")
                Output.fields([("program", status.outcome?.created ?? body.programID), ("prover image", proverDigest), ("verifier image", verifierDigest)])
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deployed programs.")
        @Option(help: "At most this many.") var limit: Int?
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let programs = try await options.client().programs(limit: limit)
                if options.json { return try Output.json(programs) }
                guard !programs.isEmpty else { return print("no programs yet; deploy one with `prova program deploy`") }
                Output.table(["ID", "NAME", "OWNER", "VERIFIED/REQUESTED", "STATUS"], programs.map {
                    [$0.id, $0.deploy.name, $0.owner, "\($0.tasksVerified)/\($0.tasksRequested)", $0.blocked ? "blocked" : ($0.strikes > 0 ? "\($0.strikes) strikes" : "ok")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a program and how its tasks went: failures by reason, run time and memory against the limits asked.",
            discussion: """
            The statistics cover the program's newest --tasks tasks. "suggested request" is what to ask next time: 1.5 × \
            the longest successful run and the largest peak memory, more when runs were killed at their limit \
            (`prova quote --program ID` prices it).

            Example: prova program show 3f2a…
            """)
        @Argument(help: "Program ID.") var id: String
        @Option(help: "How many of its newest tasks the statistics cover (1 to 1000).") var tasks: Int = 200
        @OptionGroup var options: NodeOptions

        func validate() throws {
            guard (1...1_000).contains(tasks) else { throw ValidationError("--tasks must be 1 to 1000") }
        }

        func run() async throws {
            try await reportingErrors {
                let client = try options.client()
                let program = try await client.program(id)
                let statistics = try await client.programStatistics(id, limit: tasks)
                if options.json { return try Output.json(ProgramView(program: program, statistics: statistics)) }
                let deploy = program.deploy
                Output.fields([
                    ("program", program.id), ("name", deploy.name), ("owner", program.owner),
                    ("deployed at block", String(program.deployedAtHeight)),
                    ("prover", "\(deploy.prover.digest)  \(deploy.prover.command.joined(separator: " "))"),
                    ("verifier", "\(deploy.verifier.digest)  \(deploy.verifier.command.joined(separator: " "))"),
                    ("default request", "\(deploy.defaultResources.summary), \(Units.formatDuration(deploy.defaultTimeLimitSeconds))"),
                    ("verification", "\(deploy.verifierResources.summary), \(Units.formatDuration(deploy.verifierTimeLimitSeconds))"),
                    ("tasks", "\(program.tasksRequested) requested, \(program.tasksVerified) verified, \(program.tasksFailed) failed"),
                    ("strikes", String(program.strikes)),
                    ("blocked", program.blocked ? (program.blockedReason ?? "yes") : nil),
                    ("retired", program.retired ? "yes: it takes no new requests" : nil),
                    ("deposit", program.deposit > 0 ? Output.credits(program.deposit) : nil),
                ])
                print("")
                ProgramCommand.describe(statistics)
            }
        }
    }

    /// The statistics part of `program show`.
    static func describe(_ statistics: ProgramStatistics) {
        print("over its last \(statistics.tasksConsidered) task(s): \(statistics.runs) run(s), \(statistics.runsSucceeded) succeeded")
        let states = statistics.tasksByState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let failures = statistics.failuresByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) × \($0.value)" }
            .joined(separator: ", ")
        var rows: [(String, String?)] = [("  tasks", states.isEmpty ? nil : states), ("  failures", failures.isEmpty ? "none" : failures)]
        if let wall = statistics.wallMilliseconds, let limit = statistics.requestedTimeLimitSeconds {
            rows.append(("  run time", "median \(Self.seconds(wall.median)), 90th percentile \(Self.seconds(wall.p90)), longest \(Self.seconds(wall.max))"
                + " — of a \(Units.formatDuration(limit)) limit (median \(statistics.timeUsedPercent ?? 0) % used)"))
        }
        if let cpu = statistics.cpuMilliseconds { rows.append(("  cpu time", "median \(Self.seconds(cpu.median)), longest \(Self.seconds(cpu.max))")) }
        if let memory = statistics.peakMemoryBytes, let requested = statistics.requested {
            rows.append(("  peak memory", "median \(Units.formatBytes(memory.median)), largest \(Units.formatBytes(memory.max))"
                + " — of \(Units.formatBytes(requested.memoryBytes)) asked (median \(statistics.memoryUsedPercent ?? 0) % used)"))
        }
        if let suggestion = statistics.suggestion {
            rows.append(("  suggested request", "--cpus \(HumanArgument.cpu(suggestion.resources.cpuMillicores)) --memory \(HumanArgument.bytes(suggestion.resources.memoryBytes))"
                + (suggestion.resources.gpus > 0 ? " --gpus \(suggestion.resources.gpus)" : "") + " --time \(HumanArgument.duration(suggestion.timeLimitSeconds))"))
            rows.append(("  because", suggestion.basis))
        } else {
            rows.append(("  suggested request", "none yet: no run has succeeded"))
        }
        Output.fields(rows)
    }

    /// `1234` ms → `1.2 s`.
    static func seconds(_ milliseconds: Int64) -> String {
        String(format: "%.1f s", Double(milliseconds) / 1_000)
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a program you own: it takes no new requests and its deploy deposit comes back.",
            discussion: "Tasks already requested run to their end. Example: prova program retire 3f2a… --key alice")
        @Argument(help: "Program ID.") var id: String
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let status = try await options.client().retireProgram(id, signedBy: try key.load())
                if options.json { return try Output.json(status) }
                let returned = status.events?.first { $0.kind == .depositReturned }?.amount ?? 0
                print("retired program \(id) in block \(status.height.map(String.init) ?? "?"); it takes no new requests")
                Output.fields([("deposit returned", Output.credits(returned)), ("transaction fee", Output.credits(status.outcome?.fee ?? 0))])
            }
        }
    }
}

/// `prova program show --json`: the program record and its statistics.
struct ProgramView: Codable {
    var program: Program
    var statistics: ProgramStatistics
}

/// Quantities written the way the options take them back (`--memory 384MiB`, `--time 45s`).
enum HumanArgument {
    static func cpu(_ millicores: Millicores) -> String {
        millicores % 1_000 == 0 ? String(millicores / 1_000) : "\(millicores)m"
    }

    static func bytes(_ bytes: ByteCount) -> String {
        if bytes % Units.gib == 0 { return "\(bytes / Units.gib)GiB" }
        if bytes % Units.mib == 0 { return "\(bytes / Units.mib)MiB" }
        return String(bytes)
    }

    static func duration(_ seconds: Seconds) -> String {
        if seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// `prova image push`: upload a program image.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Upload program images (OCI archives: `docker save` output or an OCI layout tar).",
        subcommands: [Push.self])

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload an image archive and print its digest.",
            discussion: "The file is streamed, never loaded whole. Use the digest with `prova program deploy --prover DIGEST`.")
        @Argument(help: "The image archive (.tar).") var file: String
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                // The upload is signed: a blob no transaction names yet counts against the uploader's quota.
                let receipt = try await options.client().putBlob(file: URL(fileURLWithPath: file), signedBy: try key.load())
                if options.json { return try Output.json(receipt) }
                print(receipt.digest)
                if Output.stdoutIsTerminal {
                    Output.standardError("\(receipt.created ? "uploaded" : "already on the node"): \(Units.formatBytes(receipt.size))")
                }
            }
        }
    }
}
