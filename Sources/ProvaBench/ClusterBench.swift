import Foundation
import ProvaClient
import ProvaCore
import ProvaDevnet
import ProvaNode
import ProvaTesting

/// `prova-bench cluster`: transfers committed per second and their commit latency through 3 validators ordered by 3
/// etcd members, against one solo validator process measured in the same run (`cluster.solo_ratio`), and the time from
/// SIGKILL of the proposer in line to the next block while a transaction waits (`cluster.failover_s`). Everything on this machine, real processes.
func runClusterBenchmarks(seconds: Double = 10, senders: Int = 32) async throws -> [BenchLine] {
    let solo = try await BenchCluster.start(validators: 1, senders: senders)
    let soloLoad: LoadResult
    do { soloLoad = try await solo.load(seconds: seconds) } catch {
        await solo.stop()
        throw error
    }
    await solo.stop()
    let cluster = try await BenchCluster.start(validators: 3, senders: senders)
    let clusterLoad: LoadResult
    let failover: Double
    do {
        clusterLoad = try await cluster.load(seconds: seconds)
        failover = try await cluster.failover()
    } catch {
        await cluster.stop()
        throw error
    }
    await cluster.stop()
    return [
        BenchLine(name: "cluster.solo_commit_tps", value: soloLoad.throughput, unit: "tx/s"),
        BenchLine(name: "cluster.solo_commit_latency_p50_ms", value: soloLoad.p50, unit: "ms"),
        BenchLine(name: "cluster.commit_tps", value: clusterLoad.throughput, unit: "tx/s"),
        BenchLine(name: "cluster.commit_latency_p50_ms", value: clusterLoad.p50, unit: "ms"),
        BenchLine(name: "cluster.solo_ratio", value: clusterLoad.throughput / max(soloLoad.throughput, 0.001), unit: "ratio"),
        BenchLine(name: "cluster.failover_s", value: failover, unit: "s"),
    ]
}

struct LoadResult {
    var throughput: Double
    var p50: Double
}

/// Validators (and etcd members when more than one) in a temporary directory, with funded senders.
final class BenchCluster: @unchecked Sendable {
    let directory: URL
    let etcd: EtcdCluster?
    let validators: ValidatorProcesses
    let genesis: Genesis
    let senders: [AccountKey]

    static func start(validators count: Int, senders: Int) async throws -> BenchCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-bench-cluster-\(UUID().uuidString)")
        let port = try LoopbackPorts.freeBase(count: count)
        var configuration = DevnetConfiguration(dataDirectory: directory, workers: 0, port: port)
        configuration.validators = count
        configuration.provaExecutable = try provaExecutable()
        let keys = (0..<senders).map { _ in AccountKey() }
        let genesis = try Devnet.initializeCluster(
            configuration, accounts: keys.map { Genesis.FundedAccount(address: $0.address, balance: 1_000 * MicroCredit.perCredit) }, workers: [],
            parameters: .genesisDefaults, program: CapacityTestProgram.deploy, image: nil, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        var etcd: EtcdCluster?
        if count > 1 {
            let members = EtcdCluster(directory: directory.appendingPathComponent("etcd"), clientPort: port + 1000, peerPort: port + 2000, members: count)
            try await members.start()
            etcd = members
        }
        let validators = try ValidatorProcesses(configuration: configuration, etcd: etcd?.clientURLs ?? [])
        try await validators.startAll()
        return BenchCluster(directory: directory, etcd: etcd, validators: validators, genesis: genesis, senders: keys)
    }

    private init(directory: URL, etcd: EtcdCluster?, validators: ValidatorProcesses, genesis: Genesis, senders: [AccountKey]) {
        self.directory = directory; self.etcd = etcd; self.validators = validators; self.genesis = genesis; self.senders = senders
    }

    func stop() async {
        await validators.stopAll()
        await etcd?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every sender sends transfers one after another with `?wait=commit`, to the validators in turn, for `seconds`.
    func load(seconds: Double) async throws -> LoadResult {
        let chain = genesis.identity
        let sink = AccountKey().address
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int64(seconds * 1000))
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for (number, sender) in senders.enumerated() {
                let client = try ProvaClient(node: validators.url(number % validators.count), requestTimeout: .seconds(30))
                group.addTask {
                    var measured: [Double] = []
                    var nonce: UInt64 = 0
                    while clock.now < end {
                        let transaction = try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: nonce,
                                                                  body: .transfer(Transfer(to: sink, amount: 1))).signed(by: sender)
                        let sent = clock.now
                        let status = try await client.submit(transaction, waitForCommit: true, timeout: .seconds(30))
                        guard status.status == .committed else { throw BenchFailure("a transfer was \(status.status), not committed") }
                        measured.append(Double((clock.now - sent).components.attoseconds) / 1e15 + Double((clock.now - sent).components.seconds) * 1000)
                        nonce += 1
                    }
                    return measured
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = clock.now - start
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = latencies.sorted()
        return LoadResult(throughput: Double(latencies.count) / elapsedSeconds, p50: sorted.isEmpty ? 0 : sorted[sorted.count / 2])
    }

    /// SIGKILLs the validator first in line for the next height and returns the seconds until a survivor reports it.
    func failover() async throws -> Double {
        let observer = try ProvaClient(node: validators.url(0))
        let status = try await observer.status()
        let parent = try await observer.block(height: status.height)
        let order = ProposerOrder.order(of: genesis.validators.map(\.publicKey), parentBeacon: parent.block.header.beacon, height: status.height + 1)
        guard let victim = genesis.validators.firstIndex(where: { $0.publicKey == order[0] }) else { throw BenchFailure("unknown proposer") }
        let survivor = try ProvaClient(node: validators.url((victim + 1) % validators.count), requestTimeout: .seconds(2))
        let clock = ContinuousClock()
        let killed = clock.now
        await validators.kill(victim)
        // Transactions keep coming (as in the load above): the next in line proposes once its turn comes, without
        // waiting out an empty block's interval as well.
        let sender = senders[0]
        let nonce = try await survivor.account(sender.address).nextNonce
        _ = try await survivor.submit(try UnsignedTransaction(chain: genesis.identity, sender: sender.publicKeyHex, nonce: nonce,
                                                              body: .transfer(Transfer(to: AccountKey().address, amount: 1))).signed(by: sender))
        while clock.now - killed < .seconds(30) {
            if let height = try? await survivor.status().height, height > status.height {
                let elapsed = clock.now - killed
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchFailure("no block within 30 s of killing the proposer")
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
