import ArgumentParser
import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaDevnet

struct DevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Run the embedded default network: one validator (or a cluster of N with --validators) and N workers on this machine (needs root for runc).",
        discussion: "Running it again resumes the same chain; --fresh starts over. Ctrl-C stops everything cleanly.")

    @Option(help: "Number of worker daemons (4 lets every proof be verified by 3 others).") var workers: Int = 4
    @Option(help: "Port of the HTTP API and the explorer.") var port: Int = 8545
    @Option(help: "Validators: more than 1 runs an etcd cluster and one `prova node` process per validator on PORT, PORT+1, ….") var validators: Int = 1
    @Option(help: "Data directory (default: $PROVA_HOME/devnet or ~/.prova/devnet).") var dataDir: String?
    @Flag(help: "Delete the devnet's chain and start a new one.") var fresh = false
    @Option(help: "CPU each worker declares.") var workerCpus: String = "2"
    @Option(help: "Memory each worker declares.") var workerMemory: String = "4GiB"
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "warning"

    func run() async throws {
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be 1 to 32") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...7).contains(validators) else { throw ValidationError("--validators must be 1 to 7") }
        guard validators == 1 || (1...(65535 - 2000 - validators)).contains(port) else {
            throw ValidationError("a devnet of \(validators) validators needs a fixed --port below \(65535 - 2000 - validators) (etcd uses PORT+1000… and PORT+2000…)")
        }
        let capacity: Resources
        do {
            capacity = Resources(cpuMillicores: try Units.parseCPU(workerCpus), memoryBytes: try Units.parseBytes(workerMemory))
        } catch let error as ProvaCoreError {
            throw ValidationError(error.message)
        }
        let keyStore = KeyStore.standard()
        let directory = dataDir.map { URL(fileURLWithPath: $0) } ?? keyStore.directory.deletingLastPathComponent().appendingPathComponent("devnet")
        var logger = Logger(label: "prova.devnet")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        var configuration = DevnetConfiguration(dataDirectory: directory, workers: workers, port: port, fresh: fresh, workerCapacity: capacity,
                                                keyStore: keyStore)
        configuration.validators = validators
        do {
            try await Devnet.run(configuration, logger: logger) { info in
                let lines = [
                    "Prova devnet \(info.resumed ? "resumed" : "started"): chain \(info.chainID), \(info.workers.count) workers, data in \(directory.path)",
                    "  explorer and API:  \(info.url)  (API described at /openapi.yaml)",
                    "validators: \(info.validators.joined(separator: " "))",
                    "  developer key:     \(info.developer.name) (\(info.developer.address))",
                    "Try it (in another terminal):",
                    "  export PROVA_NODE=\(info.validators.joined(separator: ","))",
                    "  prova account show \(info.developer.name)",
                    "  prova quote --cpus 2 --memory 2GiB --time 5m",
                    "  prova program deploy --name NAME --prover prover.tar --verifier verifier.tar --key \(info.developer.name)",
                    "  prova proof request --program ID --input input.json --cpus 2 --memory 2GiB --time 5m --key \(info.developer.name) --wait",
                    "Ctrl-C stops the devnet; `prova devnet` resumes it, `prova devnet --fresh` starts over.",
                    "devnet ready at \(info.url)",
                ]
                // Written straight to the descriptor: scripts wait for the last line.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
        } catch let error as DevnetError {
            throw ValidationError(error.description)
        }
    }
}
