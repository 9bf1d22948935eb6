import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ProvaCore
import ProvaLedger
import ProvaNode
import ProvaTesting
import ServiceLifecycle

/// `node.duty_latency_under_flood_p99_ms`: a worker duty's submit (`?wait=commit`) to committed, p99, while 2,000
/// fresh keys and 200 funded ones flood the node with deploys and transfers from 32 connections, as fast as it takes
/// them. Measured over the duties of a stream of tasks (each: acceptance, result, three votes) played by workers in
/// this process; `node.duty_latency_p99_ms` is the same stream without the flood, in the same run, for the ratio.
/// Target: ≤ 2 × minBlockInterval + 50 ms (250 ms with the defaults).
func runFloodBenchmarks(tasks: Int = 40) async throws -> [BenchLine] {
    try await FloodBench.with { bench in
        let quiet = try await bench.dutyLatencies(tasks: tasks / 2, flood: false)
        let flooded = try await bench.dutyLatencies(tasks: tasks, flood: true)
        FileHandle.standardError.write(Data("# flood: \(flooded.floodSent) flood transactions sent (\(flooded.floodRefused) refused) during \(flooded.samples.count) duties\n".utf8))
        let quietP99 = percentile(quiet.samples, 0.99)
        let floodP99 = percentile(flooded.samples, 0.99)
        return [BenchLine(name: "node.duty_latency_p99_ms", value: quietP99, unit: "ms"),
                BenchLine(name: "node.duty_latency_under_flood_p50_ms", value: percentile(flooded.samples, 0.5), unit: "ms"),
                BenchLine(name: "node.duty_latency_under_flood_p99_ms", value: floodP99, unit: "ms"),
                BenchLine(name: "node.duty_latency_flood_ratio", value: floodP99 / max(quietP99, 1), unit: "x")]
    }
}

private func percentile(_ samples: [Double], _ q: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
}

struct FloodBench: Sendable {
    let url: String
    let node: ValidatorNode
    let chain: ChainIdentity
    let requester: AccountKey
    let workers: [AccountKey]
    let flood: [[UInt8]]
    let program: ProgramID
    let client: HTTPClient

    static func with<T: Sendable>(_ body: @Sendable (FloodBench) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-bench-flood-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let requester = AccountKey(deterministicFrom: "flood-bench-requester")
        let workers = (0..<6).map { AccountKey(deterministicFrom: "flood-bench-worker-\($0)") }
        let funded = (0..<200).map { AccountKey(deterministicFrom: "flood-bench-funded-\($0)") }
        let fresh = (0..<2_000).map { AccountKey(deterministicFrom: "flood-bench-fresh-\($0)") }
        let (genesis, _) = try NodeFiles.initialize(
            dataDirectory: directory, chainID: "bench-flood", genesis: nil, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1_000,
            initialAccounts: ([requester] + funded).map { Genesis.FundedAccount(address: $0.address, balance: 1_000 * MicroCredit.perCredit) },
            workers: workers.map { Genesis.InitialWorker(address: $0.address, capacity: Fixtures.gpuNode, diskBytes: 1 << 40,
                                                          stake: ChainParameters.genesisDefaults.minWorkerStake) })
        var logger = Logger(label: "prova.bench.flood")
        logger.logLevel = .error
        // The node as an operator runs it: the default mempool lanes and sender quota.
        let node = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: directory, port: 0), logger: logger)
        let chain = genesis.identity
        let encoder = JSONEncoder()
        var flood: [[UInt8]] = []
        // Every fresh key a deploy or a transfer it cannot pay; every funded key 100 transfers at successive nonces
        // (20,000 it can pay, far past its quota of waiting ones), interleaved.
        var fundedTransfers: [[UInt8]] = []
        for nonce in 0..<100 {
            for key in funded {
                fundedTransfers.append(Array(try encoder.encode(try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: UInt64(nonce),
                                                                                        body: .transfer(Transfer(to: requester.address, amount: 1))).signed(by: key))))
            }
        }
        for (index, key) in fresh.enumerated() {
            let body: TransactionBody = index.isMultiple(of: 2) ? .deployProgram(Fixtures.program("flood-\(index)"))
                : .transfer(Transfer(to: requester.address, amount: 1))
            flood.append(Array(try encoder.encode(try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: 0, body: body).signed(by: key))))
            flood.append(contentsOf: fundedTransfers[(index * 10)..<(index * 10 + 10)])
        }
        let prepared = flood
        return try await withServedNode(node, logger: logger, connections: 128) { url, client in
            let deploy = try UnsignedTransaction(chain: chain, sender: requester.publicKeyHex, nonce: 0,
                                                 body: .deployProgram(Fixtures.program("flood-bench"))).signed(by: requester)
            let probe = FloodBench(url: url, node: node, chain: chain, requester: requester, workers: workers, flood: prepared,
                                   program: Fixtures.program("flood-bench").programID, client: client)
            guard try await probe.submit(deploy).status == 200 else { throw BenchError("the deploy was not committed") }
            return try await body(probe)
        }
    }

    func submit(_ transaction: SignedTransaction) async throws -> (status: UInt, transaction: TransactionStatus?) {
        try await post(Array(try JSONEncoder().encode(transaction)), wait: true)
    }

    func post(_ body: [UInt8], wait: Bool) async throws -> (status: UInt, transaction: TransactionStatus?) {
        var request = HTTPClientRequest(url: url + (wait ? "/v1/transactions?wait=commit" : "/v1/transactions"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, try? JSONDecoder().decode(TransactionStatus.self, from: Data(bytes.readableBytesView)))
    }

    /// Plays `tasks` requests end to end, one after another, timing every worker duty; with `flood`, while the flood runs.
    func dutyLatencies(tasks: Int, flood floods: Bool) async throws -> (samples: [Double], floodSent: Int, floodRefused: Int) {
        let tally = FloodTally()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            if floods {
                let cursor = IndexCursor()
                for _ in 0..<32 {
                    group.addTask {
                        while let index = await cursor.take() {
                            guard let answer = try? await post(flood[index % flood.count], wait: false) else { continue }
                            await tally.count(status: answer.status)
                        }
                    }
                }
                let samples: [Double]
                do { samples = try await playTasks(tasks) } catch {
                    await cursor.stop()
                    throw error
                }
                await cursor.stop()
                try await group.waitForAll()
                let statuses = await tally.byStatus.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                FileHandle.standardError.write(Data("# flood answers by status: \(statuses)\n".utf8))
                return (samples, await tally.sent, await tally.refused)
            }
            let samples = try await playTasks(tasks)
            return (samples, 0, 0)
        }
    }

    private func playTasks(_ count: Int) async throws -> [Double] {
        var samples: [Double] = []
        let keys = Dictionary(uniqueKeysWithValues: workers.map { ($0.address, $0) })
        for round in 0..<count {
            let requested = try await submit(try await signed(.requestProof(RequestProof(
                program: program, inputs: [Fixtures.input("input-\(round).json")],
                resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)), by: requester))
            guard requested.status == 200, let task = requested.transaction?.outcome?.created else { throw BenchError("request \(round) answered \(requested.status)") }
            // Its prover is drawn in the next block, by that block's beacon.
            let assigned = try await awaitTask(task, "assigned") { $0.attempts.last?.worker != nil }
            guard let attempt = assigned.attempts.last, let worker = attempt.worker.flatMap({ keys[$0] }) else { throw BenchError("task \(task) was not assigned") }
            for body in [TransactionBody.acceptTask(AcceptTask(task: task, attempt: attempt.number)),
                         .submitResult(SubmitResult(task: task, attempt: attempt.number, exitCode: 0,
                                                    outputs: [OutputRef(path: "proof.bin", digest: Fixtures.digest("proof-\(round)"), size: 5)]))] {
                samples.append(try await timedDuty(body, by: worker))
            }
            // Its verifiers are drawn in the block after the delivery.
            let delivered = try await awaitTask(task, "given verifiers") { $0.attempts.last?.verifiers.isEmpty == false }
            var ballots: [(AccountKey, Ballot)] = []
            for duty in delivered.attempts.last?.verifiers ?? [] {
                guard let verifier = keys[duty.worker] else { continue }
                let ballot = Ballot(task: task, attempt: attempt.number, verdict: .valid,
                                    transcript: VoteTranscript(claiming: .valid, checked: delivered.checkedDigest(attempt: attempt.number)))
                samples.append(try await timedDuty(.commitVote(try ballot.commit(by: verifier.address)), by: verifier))
                ballots.append((verifier, ballot))
            }
            // Reveals open in the block of the last commitment.
            _ = try await awaitTask(task, "open for reveals") { $0.attempts.last?.revealDeadlineMilliseconds != nil }
            for (verifier, ballot) in ballots { samples.append(try await timedDuty(.revealVote(ballot.reveal), by: verifier)) }
        }
        return samples
    }

    /// The task once `condition` holds, checked after every committed block (at most 50 blocks).
    private func awaitTask(_ id: TaskID, _ what: String, until condition: (TaskRecord) -> Bool) async throws -> TaskRecord {
        var blocks = node.committedHeights().makeAsyncIterator()
        for _ in 0..<50 {
            if let task = await node.state.tasks[id], condition(task) { return task }
            guard await blocks.next() != nil else { break }
        }
        throw BenchError("task \(id) was not \(what) within 50 blocks")
    }

    private func timedDuty(_ body: TransactionBody, by key: AccountKey) async throws -> Double {
        let transaction = try await signed(body, by: key)
        let sent = ContinuousClock.now
        let answer = try await submit(transaction)
        guard answer.status == 200 else { throw BenchError("a \(body.kind.rawValue) answered \(answer.status)") }
        return (ContinuousClock.now - sent).seconds * 1_000
    }

    private func signed(_ body: TransactionBody, by key: AccountKey) async throws -> SignedTransaction {
        let nonce = await node.nextNonce(of: key.address)
        return try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: nonce, body: body).signed(by: key)
    }
}

private actor FloodTally {
    private(set) var sent = 0
    private(set) var refused = 0
    private(set) var byStatus: [UInt: Int] = [:]
    func count(status: UInt) {
        sent += 1
        if status >= 400 { refused += 1 }
        byStatus[status, default: 0] += 1
    }
}
