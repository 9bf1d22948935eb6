import Foundation
import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova program`: deploy prover/verifier pairs and look them up.
struct ProgramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Deploy a prover and its verifier, list and show programs.",
        subcommands: [Deploy.self, List.self, Show.self])

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
        static let configuration = CommandConfiguration(abstract: "Show a program.")
        @Argument(help: "Program ID.") var id: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let program = try await options.client().program(id)
                if options.json { return try Output.json(program) }
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
                ])
            }
        }
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
