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

    static func start(validators count: Int = 3, senders: Int = 8, parameters: ChainParameters = .genesisDefaults) async throws -> LocalCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-cluster-\(UUID().uuidString)")
        let port = try LoopbackPorts.freeBase(count: count)
        var configuration = DevnetConfiguration(dataDirectory: directory, workers: 0, port: port)
        configuration.validators = count
        configuration.provaExecutable = try provaExecutable()
        let keys = (0..<senders).map { _ in AccountKey() }
        let genesis = try Devnet.initializeCluster(
            configuration, accounts: keys.map { Genesis.FundedAccount(address: $0.address, balance: 1_000 * MicroCredit.perCredit) }, workers: [],
            parameters: parameters, program: CapacityTestProgram.deploy, image: nil, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let etcd = EtcdCluster(directory: directory.appendingPathComponent("etcd"), clientPort: port + 1000, peerPort: port + 2000, members: count)
        try await etcd.start()
        let validators = try ValidatorProcesses(configuration: configuration, etcd: etcd.clientURLs)
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

    /// Yields whenever validator `index`'s height changes (read every 100 ms: the validators are other processes, and
    /// this is what "something changed" means across processes). Ends after `limit`.
    func heights(of index: Int) -> AsyncStream<UInt64> {
        let url = validators.url(index)
        return AsyncStream { continuation in
            let poller = Task {
                var last: UInt64?
                while !Task.isCancelled {
                    if let height = try? await ProvaClient(node: url, requestTimeout: .seconds(2)).status().height, height != last {
                        last = height
                        continuation.yield(height)
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in poller.cancel() }
        }
    }

    /// Waits until every validator in `members` reports the same height (at least `height`) and state digest.
    func waitForAgreement(_ members: [Int], atLeast height: UInt64 = 0) async throws {
        try await eventually("validators \(members) agree", over: heights(of: members[0]), limit: .seconds(90),
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

/// Free loopback ports for a cluster: `base … base+count-1` (validators), `+1000…` and `+2000…` (etcd).
enum LoopbackPorts {
    static func freeBase(count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20_000...40_000)
            let ports = (0..<count).flatMap { [base + $0, base + 1000 + $0, base + 2000 + $0] }
            if ports.allSatisfy(isFree) { return base }
        }
        throw ClusterTestFailure("no free range of loopback ports found")
    }

    static func isFree(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct ClusterTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
