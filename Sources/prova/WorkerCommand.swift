import ArgumentParser
import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaSandbox
import ProvaWorker
import ServiceLifecycle
import UnixSignals

/// `prova worker`: run a prover node, and inspect one.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a prover node (worker) and show its state.",
        subcommands: [Run.self, Status.self, CapacityImage.self])

    /// `$PROVA_HOME/worker`, or `~/.prova/worker`.
    static func defaultDataDirectory() -> URL {
        KeyStore.standard().directory.deletingLastPathComponent().appendingPathComponent("worker")
    }

    /// `1.5 GiB`, for sizes that are not round.
    static func approximateBytes(_ bytes: ByteCount) -> String {
        for (suffix, unit) in [("GiB", Units.gib), ("MiB", Units.mib), ("KiB", Units.kib)] where bytes >= unit {
            return String(format: "%.1f", Double(bytes) / Double(unit)) + " " + suffix
        }
        return "\(bytes) B"
    }

    /// The signing key: a stored key by name, or a key file (`prova keys` / `prova node init` format).
    static func loadKey(name: String?, file: String?) throws -> AccountKey {
        switch (name, file) {
        case (let name?, nil):
            return try KeyStore.standard().load(name)
        case (nil, let file?):
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("--key-file \(file) cannot be read; check the path and its permissions")
            }
            do { return try JSONDecoder().decode(StoredKey.self, from: data).accountKey() } catch {
                throw ValidationError("--key-file \(file) is not a Prova key file (expected {name, address, publicKey, seed}): \(error)")
            }
        default:
            throw ValidationError("pass exactly one of --key NAME (see `prova keys list`) or --key-file PATH")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register (staking), pass the capacity test, and prove and verify tasks until stopped.",
            discussion: """
                Runs as root (runc). SIGTERM or Ctrl-C drains: the worker announces its exit, declines new work, finishes \
                and submits what is in flight, then exits 0. Killed outright, it resumes its journal when started again \
                with the same --data-dir.
                Example: prova worker run --node http://127.0.0.1:8545 --key worker1 --cpus 4 --memory 8GiB --labels region=eu
                """)

        @Option(help: ArgumentHelp(NodeOptions.nodeHelp, valueName: "url[,url…]"))
        var node: String?
        @Option(help: ArgumentHelp("Further nodes whose blob stores are tried for images and inputs.", valueName: "url"))
        var blobNode: [String] = []
        @Option(help: "Name of the worker's key in the key store ($PROVA_HOME/keys).") var key: String?
        @Option(help: "A key file instead of a stored key.") var keyFile: String?
        @Option(help: "CPU to declare: cores (4, 1.5) or millicores (500m).") var cpus: String
        @Option(help: "Memory to declare: 8GiB, 512MiB, 16GB.") var memory: String
        @Option(help: "NVIDIA GPUs to declare; taken from the host's CDI spec (/var/run/cdi or /etc/cdi nvidia.yaml), else /dev/nvidiaN.")
        var gpus: Int = 0
        @Option(help: "Disk to declare.") var disk: String = "100GiB"
        @Option(help: "Labels, KEY=VALUE,…, e.g. gpu=h100,region=eu (prover sets select on them).") var labels: String = ""
        @Option(help: "Credits to stake when registering (default: the chain's minimum).") var stake: String?
        @Option(help: "Journal, caches and run directories (default: $PROVA_HOME/worker).") var dataDir: String?
        @Option(help: "Largest single download (image, input, proof).") var maxDownload: String = "4GiB"
        @Option(help: "Disk budget of the image cache.") var imageCache: String = "20GiB"
        @Option(help: "Size limit of each run's /output: the total size of its outputs.") var outputLimit: String = "1GiB"
        @Option(help: "Most files a run may leave in /output; more is a failed run of the program.") var maxOutputs: Int = RunLimits.defaultMaxOutputFiles
        @Option(help: "Most bytes in an output's path; longer is a failed run of the program.") var maxOutputPath: Int = RunLimits.defaultMaxOutputPathBytes
        @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

        func run() async throws {
            let key = try WorkerCommand.loadKey(name: self.key, file: keyFile)
            var configuration: WorkerConfiguration
            do {
                var devices = try WorkerConfiguration.gpus(min(gpus, 0), discovered: [])  // refuses a negative count
                if gpus > 0 {
                    let inventory: GPUInventory
                    do { inventory = try GPUInventory.locate() } catch let error as SandboxError { throw ValidationError(error.message) }
                    devices = try WorkerConfiguration.gpus(gpus, from: inventory)
                    FileHandle.standardError.write(Data("prova worker: \(devices.count) GPU(s) from \(inventory.sourceDescription)\n".utf8))
                }
                let capacity = Resources(cpuMillicores: try HumanUnits.cpu(cpus), memoryBytes: try HumanUnits.bytes(memory), gpus: Int64(devices.count))
                let seccomp: SeccompProfile
                do { seccomp = try SeccompProfile.containersDefault() } catch {
                    throw ValidationError("the seccomp profile \(SeccompProfile.containersDefaultPath) cannot be loaded (\(error)); install it with `apt-get install -y golang-github-containers-common`")
                }
                _ = try NodeList.parse(NodeOptions.resolve(node))
                configuration = WorkerConfiguration(
                    node: NodeOptions.resolve(node), blobMirrors: blobNode, capacity: capacity,
                    diskBytes: try HumanUnits.bytes(disk, option: "--disk"), labels: try WorkerConfiguration.labels(labels),
                    dataDirectory: dataDir.map { URL(fileURLWithPath: $0) } ?? WorkerCommand.defaultDataDirectory(),
                    stake: try stake.map { try HumanUnits.credits($0, option: "--stake") }, gpuDevices: devices,
                    maxDownloadBytes: try HumanUnits.bytes(maxDownload, option: "--max-download"),
                    imageCacheBytes: try HumanUnits.bytes(imageCache, option: "--image-cache"),
                    outputBytesLimit: try HumanUnits.bytes(outputLimit, option: "--output-limit"), seccompProfile: seccomp)
                configuration.maxOutputFiles = maxOutputs
                configuration.maxOutputPathBytes = maxOutputPath
            } catch let error as WorkerError {
                throw ValidationError(error.message)
            } catch let error as ClientError {
                throw ValidationError(error.message)
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
                return handler
            }
            let logger = Logger(label: "prova.worker")
            let daemon = WorkerDaemon(configuration: configuration, key: key, logger: logger)
            FileHandle.standardError.write(Data("prova worker \(key.address) following \(configuration.node)\n".utf8))
            let group = ServiceGroup(configuration: .init(services: [.init(service: daemon)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await reportingErrors {
                try await group.run()
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a worker's chain record (status, stake, strikes, earnings), its work in flight and its caches.")

        @Option(help: "The worker's data directory (default: $PROVA_HOME/worker).") var dataDir: String?
        @Option(help: "Name of the worker's key, when the data directory does not say which worker it is.") var key: String?
        @Option(help: "Key file of the worker.") var keyFile: String?
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let directory = dataDir.map { URL(fileURLWithPath: $0) } ?? WorkerCommand.defaultDataDirectory()
                let address = (key != nil || keyFile != nil) ? try WorkerCommand.loadKey(name: key, file: keyFile).address : nil
                let report = try await WorkerStatusReport.gather(dataDirectory: directory, address: address, node: options.node)
                if options.json { return try Output.json(report) }
                let worker = report.worker
                Output.fields([
                    ("worker", report.address),
                    ("node", report.node),
                    ("status", worker.map { $0.status.rawValue + ($0.jailedUntilMilliseconds.map { " until \(Output.time($0) ?? "")" } ?? "") }
                        ?? report.chainError),
                    ("capacity", worker?.capacity.summary),
                    ("reserved", worker?.reserved.summary),
                    ("stake", worker.map { Output.credits($0.stake) }),
                    ("balance", report.balance.map(Output.credits)),
                    ("earned", worker.map { Output.credits($0.earned) }),
                    ("slashed", worker.map { Output.credits($0.slashed) }),
                    ("strikes", worker.map { "\($0.strikes)" }),
                    ("proved / votes", worker.map { "\($0.tasksProved) proofs, \($0.votesCast) votes, \($0.assignments) assignments" }),
                    ("labels", worker.flatMap { $0.labels.isEmpty ? nil : $0.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }),
                    ("download cache", WorkerCommand.approximateBytes(report.downloadCacheBytes)),
                ])
                print("")
                if report.inFlight.isEmpty {
                    print("in flight: none")
                } else {
                    print("in flight:")
                    Output.table(["ROLE", "TASK", "ATTEMPT", "PHASE", "RESULT"], report.inFlight.map { record in
                        [record.key.role.rawValue, record.key.task, "\(record.key.attempt)", record.phase.rawValue,
                         record.result.map { $0.succeeded ? "ok" : "failed (exit \($0.exitCode))" } ?? record.verdict?.rawValue ?? "-"]
                    })
                }
                print("")
                print(report.images.isEmpty ? "images: none cached" : "images (\(report.images.count)):")
                for image in report.images { print("  \(image)") }
            }
        }
    }

    struct CapacityImage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "capacity-image",
            abstract: "Build the capacity-test image from this host's busybox and print its digest.",
            discussion: "A genesis names this digest (CapacityTestProgram.deploy(imageDigest:)); push the archive to the node's blob store.")

        @Option(help: "Directory to write prova-capacity-test.tar into.") var out: String = "."
        @Flag(help: "Also upload the archive to the node's blob store (signed with --key).") var push = false
        @Option(help: ArgumentHelp("With --push: the key that signs the upload.", valueName: "name")) var key: String?
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let (archive, digest) = try CapacityTestImage.build(at: URL(fileURLWithPath: out))
                if push {
                    guard let key else { throw ClientError(.badOption, "--push uploads the archive signed by a key: add --key NAME") }
                    _ = try await options.client().putBlob(file: archive, signedBy: try KeyStore.standard().load(key))
                }
                if options.json { return try Output.json(["archive": archive.path, "digest": digest]) }
                Output.fields([("archive", archive.path), ("digest", digest), ("pushed", push ? options.resolvedNode : nil)])
            }
        }
    }
}

extension NodeOptions {
    /// The node URL (or comma-separated list) chosen by flag, then `$PROVA_NODE`, then the default.
    static func resolve(_ node: String?) -> String {
        if let node, !node.isEmpty { return node }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROVA_NODE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return ProvaClient.defaultNode
    }
}
