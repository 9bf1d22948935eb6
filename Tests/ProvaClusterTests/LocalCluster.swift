import Foundation
import ProvaClient
import ProvaCore
import ProvaDevnet
import ProvaNode
import ProvaTesting

/// A validator cluster on this machine for the tests: real etcd members and real `prova node run --etcd` processes
/// (the ones `prova devnet --validators N` starts), in a temporary directory, with funded test accounts.
/// `PROVA_KEEP_CLUSTER=1` keeps the directory (logs of every validator and etcd member) after the test.
final class LocalCluster: @unchecked Sendable {
    let directory: URL
    let configuration: DevnetConfiguration
    let etcd: EtcdCluster
    let validators: ValidatorProcesses
    let genesis: Genesis
    let senders: [AccountKey]

    /// - Parameter isolated: runs the last validator inside this network namespace, and the etcd members on its host-side
    ///   address (reachable from both sides).
    /// - Parameter retainedBlocks: heights etcd keeps; a validator down for longer catches up from its peers.
    static func start(validators count: Int = 3, senders: Int = 8, parameters: ChainParameters = .genesisDefaults,
                      retainedBlocks: Int = 1_000, isolated namespace: NetworkNamespace? = nil) async throws -> LocalCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-cluster-\(UUID().uuidString)")
        let port = try LoopbackPorts.freeBase(count: count)
        var configuration = DevnetConfiguration(dataDirectory: directory, workers: 0, port: port)
        configuration.validators = count
        configuration.provaExecutable = try provaExecutable()
        configuration.etcdRetainedBlocks = retainedBlocks
        if let namespace { configuration.validatorHosts[count - 1] = namespace.insideAddress }
        let keys = (0..<senders).map { _ in AccountKey() }
        let genesis = try Devnet.initializeCluster(
            configuration, accounts: keys.map { Genesis.FundedAccount(address: $0.address, balance: 1_000 * MicroCredit.perCredit) }, workers: [],
            parameters: parameters, program: CapacityTestProgram.deploy, image: nil, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let etcd = EtcdCluster(directory: directory.appendingPathComponent("etcd"), host: namespace?.hostAddress ?? "127.0.0.1",
                               clientPort: port + 1000, peerPort: port + 2000, members: count)
        try await etcd.start()
        let validators = try ValidatorProcesses(configuration: configuration, etcd: etcd.clientURLs)
        if let namespace { validators.launchers[count - 1] = namespace.launcher }
        try await validators.startAll()
        return LocalCluster(directory: directory, configuration: configuration, etcd: etcd, validators: validators, genesis: genesis, senders: keys)
    }

    private init(directory: URL, configuration: DevnetConfiguration, etcd: EtcdCluster, validators: ValidatorProcesses, genesis: Genesis,
                 senders: [AccountKey]) {
        self.directory = directory; self.configuration = configuration; self.etcd = etcd; self.validators = validators
        self.genesis = genesis; self.senders = senders
    }

    var urls: [String] { (0..<validators.count).map(validators.url) }
    func client(_ index: Int) throws -> ProvaClient { try ProvaClient(node: validators.url(index), requestTimeout: .seconds(10)) }
    /// A client of every validator, `index` first, failing over to the next (`--node a,b,c`).
    func failoverClient(startingAt index: Int) throws -> ProvaClient {
        try ProvaClient(node: (0..<validators.count).map { validators.url((index + $0) % validators.count) }.joined(separator: ","),
                        requestTimeout: .seconds(15))
    }

    func stop() async {
        await validators.stopAll()
        await etcd.stop()
        if ProcessInfo.processInfo.environment["PROVA_KEEP_CLUSTER"] == nil {
            try? FileManager.default.removeItem(at: directory)
        } else {
            print("cluster kept in \(directory.path)")
        }
    }

    /// The index of the validator whose key is `publicKey`.
    func index(of publicKey: String) -> Int? { genesis.validators.firstIndex { $0.publicKey == publicKey } }

    /// Waits until every validator in `members` reports the same height (at least `height`) and state digest.
    func waitForAgreement(_ members: [Int], atLeast height: UInt64 = 0) async throws {
        try await eventually("validators \(members) agree", over: processStateTicks(), limit: .seconds(90),
                             describe: { await self.describe(members) }) {
            let statuses = try await members.asyncMap { try await self.client($0).status() }
            return Set(statuses.map(\.height)).count == 1 && Set(statuses.map(\.stateDigest)).count == 1 && statuses[0].height >= height
        }
    }

    func describe(_ members: [Int]) async -> String {
        var lines: [String] = []
        for member in members {
            if let status = try? await client(member).status() {
                lines.append("validator \(member): height \(status.height) digest \(status.stateDigest.prefix(12))")
            } else {
                lines.append("validator \(member): not answering")
            }
        }
        return lines.joined(separator: "; ")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

struct ClusterTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
