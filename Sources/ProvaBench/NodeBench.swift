import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ProvaCore
import ProvaNode
import ServiceLifecycle
import NIOHTTP1
import ProvaLedger

/// `node.commit_tps`: signed transfers accepted over HTTP and committed to SQLite per second, sustained for 30 s, by a
/// load generator in this process (transactions are signed before the clock starts: signing is the client's cost).
/// `node.commit_latency_p50_ms` / `_p99_ms`: submit (`?wait=commit`) to committed, at half that load.
func runNodeBenchmarks(seconds: Double = 30) async throws -> [BenchLine] {
    try await BenchNode.with { node in
        let throughput = try await node.sustainedThroughput(seconds: seconds)
        FileHandle.standardError.write(Data("# node: \(Int(throughput)) tx/s committed; measuring latency at half that load\n".utf8))
        // Warm-up, not measured: opens the client's connections gradually (opening hundreds at once right after the
        // throughput run can exceed the client's pool wait) and lets the node settle.
        _ = try await node.latency(rate: max(throughput / 8, 10), seconds: 2)
        let latency = try await node.latency(rate: max(throughput / 2, 10), seconds: min(seconds, 10))
        return [BenchLine(name: "node.commit_tps", value: throughput, unit: "tx/s"),
                BenchLine(name: "node.commit_latency_p50_ms", value: latency.p50, unit: "ms"),
                BenchLine(name: "node.commit_latency_p99_ms", value: latency.p99, unit: "ms")]
    }
}

struct BenchNode: Sendable {
    let url: String
    let node: ValidatorNode
    let chain: ChainIdentity
    let senders: [AccountKey]
    let client: HTTPClient

    static func with<T: Sendable>(_ body: @Sendable (BenchNode) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-bench-node-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let senders = (0..<2_000).map { AccountKey(deterministicFrom: "bench-sender-\($0)") }
        var parameters = ChainParameters.genesisDefaults
        parameters.maxBlockTransactions = 20_000
        _ = try NodeFiles.initialize(dataDirectory: directory, chainID: "bench-node", genesis: nil,
                                     timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1_000,
                                     initialAccounts: senders.map { Genesis.FundedAccount(address: $0.address, balance: 1_000 * MicroCredit.perCredit) },
                                     parameters: parameters)
        var logger = Logger(label: "prova.bench.node")
        logger.logLevel = .error
        let node = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: directory, port: 0, mempoolCapacity: 200_000, senderQuota: 200_000),
                                     logger: logger)
        return try await withServedNode(node, logger: logger, connections: 512) { url, client in
            try await body(BenchNode(url: url, node: node, chain: node.genesis.identity, senders: senders, client: client))
        }
    }

    /// Pre-signed transfers, `perSender` consecutive nonces for each sender, interleaved across senders.
    func transactions(perSender: Int, startingNonce: UInt64) throws -> [[UInt8]] {
        let encoder = JSONEncoder()
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(perSender * senders.count)
        for round in 0..<perSender {
            for (index, sender) in senders.enumerated() {
                let body = TransactionBody.transfer(Transfer(to: senders[(index + 1) % senders.count].address, amount: 1))
                let signed = try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: startingNonce + UInt64(round), body: body).signed(by: sender)
                bodies.append(Array(try encoder.encode(signed)))
            }
        }
        return bodies
    }

    func post(_ body: [UInt8], wait: Bool) async throws -> UInt {
        var request = HTTPClientRequest(url: url + (wait ? "/v1/transactions?wait=commit" : "/v1/transactions"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }

    /// Offers transactions from 64 concurrent connections for `seconds`, then counts what was committed in that time.
    func sustainedThroughput(seconds: Double) async throws -> Double {
        let bodies = try transactions(perSender: Int(seconds * 8_000) / senders.count + 1, startingNonce: 0)
        let startCommitted = await committedTransfers()
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int64(seconds * 1000))
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    while ContinuousClock.now < deadline, let index = await next.take(below: bodies.count) {
                        // A transport failure under overload is counted by its absence from the chain, not fatal.
                        guard let status = try? await post(bodies[index], wait: false) else { continue }
                        guard status == 202 || status == 200 || status == 503 else { throw BenchError("submit answered \(status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let committed = await committedTransfers() - startCommitted
        return Double(committed) / elapsed
    }

    /// Nonces used so far by every sender: the number of their committed transfers.
    func committedTransfers() async -> Int {
        let state = await node.state
        return senders.reduce(0) { $0 + Int(state.nonce(of: $1.address)) }
    }

    /// Paced submissions with `?wait=commit` at `rate` per second; latency from send to the committed answer.
    func latency(rate: Double, seconds: Double) async throws -> (p50: Double, p99: Double) {
        let state = await node.state
        var bodies: [[UInt8]] = []
        let count = Int(rate * seconds)
        let encoder = JSONEncoder()
        for index in 0..<count {
            let sender = senders[index % senders.count]
            let nonce = state.nonce(of: sender.address) + UInt64(index / senders.count)
            let body = TransactionBody.transfer(Transfer(to: senders[(index + 1) % senders.count].address, amount: 1))
            bodies.append(Array(try encoder.encode(try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: nonce, body: body).signed(by: sender))))
        }
        let interval = Duration.seconds(1.0 / rate)
        let started = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: Double.self) { group in
            for (index, body) in bodies.enumerated() {
                try await Task.sleep(until: started + interval * index, clock: .continuous)
                group.addTask {
                    let sent = ContinuousClock.now
                    let status = try await post(body, wait: true)
                    guard status == 200 else { throw BenchError("a paced submission answered \(status)") }
                    return (ContinuousClock.now - sent).seconds * 1_000
                }
            }
            var all: [Double] = []
            for try await sample in group { all.append(sample) }
            return all.sorted()
        }
        guard !samples.isEmpty else { throw BenchError("no latency samples") }
        return (samples[samples.count / 2], samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))])
    }
}

/// Hands out indices to concurrent submitters.
actor Counter {
    private var value = 0
    func take(below limit: Int) -> Int? {
        guard value < limit else { return nil }
        defer { value += 1 }
        return value
    }
}
