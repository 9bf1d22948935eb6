import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// A network of real processes — `prova node run` and four `prova worker run` — so one worker can be killed mid-run.
@Suite("Fallback end to end", .tags(.endToEnd), .serialized)
struct FallbackEndToEndTests {
    /// A child process whose output goes to a log file — its standard output through a pipe first when the test
    /// waits for a line it prints when ready.
    final class Child: @unchecked Sendable {
        let process = Process()
        private let log: FileHandle
        private let output: Pipe?

        init(_ arguments: [String], environment: [String: String], log: URL, announcesReadiness: Bool = false) throws {
            process.executableURL = try DevnetProcess.executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            self.log = try FileHandle(forWritingTo: log)
            output = announcesReadiness ? Pipe() : nil
            process.standardOutput = output ?? self.log
            process.standardError = self.log
            try process.run()
        }

        /// Waits (off the cooperative pool) for the output line that starts with `prefix` and returns the rest of it;
        /// everything the child prints afterwards goes on to its log.
        func line(startingWith prefix: String) async throws -> String {
            guard let output else { throw Failure("this child's output is not read") }
            let log = self.log
            let reader = output.fileHandleForReading
            return try await offloaded {
                var buffer = ""
                while true {
                    if let line = buffer.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first(where: { $0.hasPrefix(prefix) }) {
                        log.write(Data(buffer.utf8))
                        reader.readabilityHandler = { handle in
                            let data = handle.availableData
                            if data.isEmpty { handle.readabilityHandler = nil } else { log.write(data) }
                        }
                        return String(line.dropFirst(prefix.count))
                    }
                    let chunk = reader.availableData
                    guard !chunk.isEmpty else { throw Failure("the process exited before printing '\(prefix)…':\n\(buffer)") }
                    buffer += String(decoding: chunk, as: UTF8.self)
                }
            }
        }
        func stop(_ signal: Int32 = SIGTERM) async {
            kill(process.processIdentifier, signal)
            _ = try? await offloaded { [process] in process.waitUntilExit() }
        }
    }

    @Test("the assigned worker is killed mid-run → another worker proves it → the requester gets 50 % back, the first worker is slashed")
    func killedWorker() async throws {
        try await DevnetProcess.buildExample("hashchain")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("prova-fallback-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["PROVA_HOME": home.path]
        let nodeDirectory = home.appendingPathComponent("node")
        let cli = { (arguments: [String]) async throws -> String in
            try await offloaded {
                let command = Process()
                command.executableURL = try DevnetProcess.executable
                command.arguments = arguments
                command.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                let pipe = Pipe()
                command.standardOutput = pipe
                command.standardError = pipe
                try command.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                command.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                guard command.terminationStatus == 0 else { throw Failure("prova \(arguments.joined(separator: " ")): \(text)") }
                return text
            }
        }
        _ = try await cli(["node", "init", "--chain-id", "fallback-e2e", "--data-dir", nodeDirectory.path])
        // Short grace periods so the killed worker's deadline passes quickly (edited before the chain's first start).
        let genesisFile = nodeDirectory.appendingPathComponent("genesis.json")
        var genesis = try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: genesisFile))
        genesis.parameters.uploadGraceMilliseconds = 2_000
        genesis.parameters.minWorkerStake = 10 * MicroCredit.perCredit
        try JSONEncoder().encode(genesis).write(to: genesisFile)

        let node = try Child(["node", "run", "--data-dir", nodeDirectory.path, "--listen", "127.0.0.1:0", "--log-level", "warning"],
                             environment: environment, log: home.appendingPathComponent("node.log"), announcesReadiness: true)
        var workers: [String: Child] = [:]
        do {
            let url = try await node.line(startingWith: "prova node listening on ")
            let client = try ProvaClient(node: url)
            _ = try await cli(["keys", "new", "dev"])
            _ = try await cli(["account", "faucet", "dev", "--amount", "1000", "--node", url])
            for index in 0..<4 {
                let name = "worker\(index)"
                let created = try await cli(["keys", "new", name, "--json"])
                let address = try JSONDecoder().decode(KeyAddress.self, from: Data(created.utf8)).address
                _ = try await cli(["account", "faucet", name, "--amount", "50", "--node", url])
                workers[address] = try Child(["worker", "run", "--node", url, "--key", name, "--cpus", "1", "--memory", "1GiB",
                                              "--data-dir", home.appendingPathComponent(name).path, "--log-level", "warning"],
                                             environment: environment, log: home.appendingPathComponent("\(name).log"))
                // One at a time: each capacity test is verified by the workers already active.
                try await eventually("\(name) is active", on: client) { (try? await client.worker(address))?.status == .active }
            }

            let build = DevnetProcess.repository.appendingPathComponent("examples/hashchain/build")
            let deployed = try await cli(["program", "deploy", "--name", "slow-hashchain", "--prover", build.appendingPathComponent("prover.tar").path,
                                          "--verifier", build.appendingPathComponent("verifier.tar").path,
                                          "--prover-command", "/bin/sh /prova/prove.sh", "--verifier-command", "/bin/sh /prova/verify.sh",
                                          "--cpus", "1", "--memory", "256MiB", "--time", "60s", "--key", "dev", "--node", url, "--json"])
            let program = try #require(try JSONDecoder().decode(TransactionStatus.self, from: Data(deployed.utf8)).outcome?.created)
            let input = build.appendingPathComponent("input/message.txt").path
            // Long enough to be killed mid-run, short enough for the fallback. Two verifiers: of four workers, two end up
            // provers of the task (the victim and the fallback), and a task is `verified` only with the votes it asked for.
            let requested = try await cli(["proof", "request", "--program", program, "--input", input, "--env", "HASHCHAIN_ROUNDS=4000",
                                           "--time", "20s", "--verifiers", "2", "--key", "dev", "--node", url, "--json"])
            let taskID = try #require(try JSONDecoder().decode(TransactionStatus.self, from: Data(requested.utf8)).outcome?.created)
            let running = try await client.waitForTask(taskID, until: { $0.state == .running }, timeout: .seconds(60))
            let victim = try #require(running.attempts.first?.worker)
            await workers[victim]?.stop(SIGKILL)

            let task = try await client.waitForTask(taskID, until: { $0.state.isTerminal }, timeout: .seconds(180))
            #expect(task.state == .verified)
            #expect(task.attempts.first?.state == .timedOut)
            let fallback = try #require(task.verifiedAttempt.map { task.attempts[$0 - 1] })
            #expect(fallback.worker != victim)
            #expect(task.refunded == Pricing.share(task.feePerSlot, basisPoints: 5_000))
            #expect(try await client.worker(victim).slashed == Pricing.share(task.feePerSlot, basisPoints: 5_000))
        } catch {
            for worker in workers.values { await worker.stop() }
            await node.stop()
            throw error
        }
        for worker in workers.values { await worker.stop() }
        await node.stop()
    }

    struct KeyAddress: Decodable { let address: Address }

    /// Waits until `condition` holds, re-checking it after every ledger event the node commits from now on (the
    /// stream starts at the next block, so nothing committed after the first check is missed).
    func eventually(_ what: String, on client: ProvaClient, until condition: @escaping @Sendable () async throws -> Bool) async throws {
        let height = try await client.status().height
        try await ProvaTesting.eventually(what, over: client.events(from: height + 1), until: condition)
    }
}
