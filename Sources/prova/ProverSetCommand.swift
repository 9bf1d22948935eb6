import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore
import ProvaWorker

/// `prova prover-set`: named sets of workers that a request can draw its prover and verifiers from.
struct ProverSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prover-set",
        abstract: "Create, join, list and show custom prover sets.",
        discussion: """
        A set admits the workers it lists (--members) or whose labels match (--labels); a worker serves it once it joins \
        (`prova prover-set join`). A request naming the set (`prova proof request --prover-set NAME`) draws its prover and \
        its verifiers from the set's active, joined workers only.
        """,
        subcommands: [Create.self, Join.self, List.self, Show.self, Retire.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a prover set (holds a refundable deposit until retired).",
            discussion: """
            Example: prova prover-set create h100s --labels gpu=h100 --key alice
                     prova prover-set create mine --members 3f2a…,worker1 --key alice
            """)
        @Argument(help: "Set name: letters, digits, '-', '_', '.'.") var name: String
        @Option(help: ArgumentHelp("Workers admitted: addresses or key names, comma-separated.", valueName: "addr,…")) var members: String?
        @Option(help: ArgumentHelp("Labels a worker must all carry, e.g. gpu=h100,region=eu.", valueName: "k=v,…")) var labels: String?
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func validate() throws {
            guard members != nil || labels != nil else {
                throw ValidationError("give --members ADDR,… or --labels KEY=VALUE,… (or both): a set with neither admits nobody")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let addresses = try (members ?? "").split(separator: ",").map { try AccountCommand.address(of: $0.trimmingCharacters(in: .whitespaces)) }
                let selectors = try WorkerConfiguration.labels(labels ?? "")
                let client = try options.client()
                let status = try await client.createProverSet(CreateProverSet(name: name, members: addresses, labels: selectors), signedBy: try key.load())
                if options.json { return try Output.json(status) }
                let deposit = status.events?.first { $0.kind == .depositHeld }?.amount
                print("created prover set '\(name)' in block \(status.height.map(String.init) ?? "?")")
                Output.fields([("deposit", deposit.map(Output.credits)), ("next", "workers join it with `prova prover-set join \(name) --key WORKER`")])
            }
        }
    }

    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Opt a registered worker into a prover set (signed by the worker's key).",
            discussion: """
            The worker must be listed in the set or carry all its labels. Joining pays the usual small transaction fee, so \
            the worker's account needs a few credits.

            Example: prova prover-set join h100s --key worker1     (or --key-file /var/lib/prova-worker/worker.key)
            """)
        @Argument(help: "Set name.") var name: String
        @Option(help: "Name of the worker's key in the key store.") var key: String?
        @Option(help: "The worker's key file instead of a stored key.") var keyFile: String?
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let workerKey = try WorkerCommand.loadKey(name: key, file: keyFile)
                let status = try await options.client().joinProverSet(name, signedBy: workerKey)
                if options.json { return try Output.json(status) }
                print("worker \(workerKey.address) joined prover set '\(name)' in block \(status.height.map(String.init) ?? "?")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List prover sets.")
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let sets = try await options.client().proverSets()
                if options.json { return try Output.json(sets) }
                guard !sets.isEmpty else { return print("no prover sets yet; create one with `prova prover-set create`") }
                Output.table(["NAME", "OWNER", "MEMBERS", "LABELS", "JOINED", "STATUS"], sets.map {
                    [$0.name, $0.owner, String($0.members.count), ProverSetCommand.labels($0.labels), String($0.joined.count), $0.retired ? "retired" : "open"]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a prover set and which workers a request naming it can draw.")
        @Argument(help: "Set name.") var name: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let (set, eligible) = try await options.client().eligibleWorkers(inProverSet: name)
                if options.json { return try Output.json(ProverSetView(set: set, eligible: eligible.map(\.address))) }
                Output.fields([
                    ("prover set", set.name), ("owner", set.owner), ("status", set.retired ? "retired (no new requests may name it)" : "open"),
                    ("members", set.members.isEmpty ? nil : set.members.joined(separator: ", ")),
                    ("labels", set.labels.isEmpty ? nil : ProverSetCommand.labels(set.labels)),
                    ("joined", set.joined.isEmpty ? "nobody yet" : set.joined.joined(separator: ", ")),
                    ("deposit", set.deposit > 0 ? Output.credits(set.deposit) : nil),
                ])
                print("")
                guard !eligible.isEmpty else { return print("no active worker can be drawn from it yet") }
                print("eligible now (active and joined): \(eligible.count)")
                Output.table(["WORKER", "CPU", "MEMORY", "GPUS", "LABELS"], eligible.map {
                    [$0.address, Units.formatCPU($0.capacity.cpuMillicores), Units.formatBytes($0.capacity.memoryBytes), String($0.capacity.gpus), ProverSetCommand.labels($0.labels)]
                })
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a prover set you own: no new request may name it, and its deposit comes back.",
            discussion: "Example: prova prover-set retire h100s --key alice")
        @Argument(help: "Set name.") var name: String
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let status = try await options.client().retireProverSet(name, signedBy: try key.load())
                if options.json { return try Output.json(status) }
                let returned = status.events?.first { $0.kind == .depositReturned }?.amount ?? 0
                print("retired prover set '\(name)' in block \(status.height.map(String.init) ?? "?"); deposit returned: \(Output.credits(returned))")
            }
        }
    }

    static func labels(_ labels: [String: String]) -> String {
        labels.isEmpty ? "-" : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// `prova prover-set show --json`: the set and the workers a request naming it can draw now.
struct ProverSetView: Codable {
    var set: ProverSet
    var eligible: [Address]
}
