public import Foundation
public import Logging
public import ProvaClient
public import ProvaCore
import ProvaNode
import ProvaSandbox
import ProvaWorker
import ServiceLifecycle
public import UnixSignals

/// The embedded default network (`prova devnet`): one solo validator and N real worker daemons on this machine,
/// each with its own key, data directory, sandbox and capacity share, a funded developer key, and the
/// capacity-test program built from this machine's busybox. Running it again resumes the same chain.
public struct DevnetConfiguration: Sendable {
    public var dataDirectory: URL
    public var workers: Int
    public var host: String
    public var port: Int
    public var fresh: Bool
    /// What each worker declares (and the sandbox enforces).
    public var workerCapacity: Resources
    /// The key store holding the developer key `developerKeyName` (created and funded on first start).
    public var keyStore: KeyStore
    public var developerKeyName: String
    public var developerCredits: MicroCredits
    /// Validators: 1 runs one solo validator in this process; more run an etcd cluster of as many members and one
    /// `prova node` process per validator, on ports `port`, `port + 1`, … (docs/CONSENSUS.md).
    public var validators: Int = 1
    /// The `prova` executable the validators of a cluster devnet run (this process's own by default).
    public var provaExecutable: URL? = Bundle.main.executableURL
    /// Per-validator listen addresses that differ from `host`.
    public var validatorHosts: [Int: String] = [:]
    /// Blocks each cluster validator keeps in etcd (`prova node run --etcd-retained-blocks`).
    public var etcdRetainedBlocks: Int = 1_000

    public init(dataDirectory: URL, workers: Int = 4, host: String = "127.0.0.1", port: Int = 8545, fresh: Bool = false,
                workerCapacity: Resources = Resources(cpuMillicores: 2_000, memoryBytes: 4 * Units.gib), keyStore: KeyStore = .standard(),
                developerKeyName: String = "dev", developerCredits: MicroCredits = 10_000 * MicroCredit.perCredit) {
        self.dataDirectory = dataDirectory; self.workers = workers; self.host = host; self.port = port; self.fresh = fresh
        self.workerCapacity = workerCapacity; self.keyStore = keyStore; self.developerKeyName = developerKeyName
        self.developerCredits = developerCredits
    }

    var nodeDirectory: URL { validatorDirectory(0) }
    /// A solo devnet's validator lives in `node/`, a cluster's in `validators/<i>/`.
    public func validatorDirectory(_ index: Int) -> URL {
        validators == 1 ? dataDirectory.appendingPathComponent("node") : dataDirectory.appendingPathComponent("validators/\(index)")
    }
    /// Each node serves the archives placed here from its blob store (the capacity-test image).
    func imageDirectory(_ index: Int) -> URL { validatorDirectory(index).appendingPathComponent("images") }
    public func validatorURL(_ index: Int) -> String { "http://\(validatorHost(index)):\(port + index)" }
    /// Where validator `index` listens: `host`, unless `validatorHosts` says otherwise (a test puts one in a network namespace).
    public func validatorHost(_ index: Int) -> String { validatorHosts[index] ?? host }
    func workerDirectory(_ index: Int) -> URL { dataDirectory.appendingPathComponent("workers/\(index)") }
}

/// What a running devnet tells its user.
public struct DevnetInfo: Sendable {
    public let url: String
    /// Every validator's API URL (one for a solo devnet).
    public let validators: [String]
    public let chainID: String
    public let developer: StoredKey
    public let workers: [Address]
    public let resumed: Bool
}

public enum Devnet {
    public static let chainID = "prova-devnet"
    /// What each worker declares as disk; genesis and the daemons must agree or the daemons re-register.
    static let workerDisk: ByteCount = 50 * Units.gib

    /// Runs until SIGINT/SIGTERM (or graceful shutdown of the surrounding service group when `signals` is empty).
    public static func run(_ configuration: DevnetConfiguration, logger: Logger, signals: [UnixSignal] = [.sigint, .sigterm],
                           onReady: @escaping @Sendable (DevnetInfo) async -> Void) async throws {
        let prepared = try prepare(configuration, logger: logger)
        guard configuration.validators == 1 else {
            try await runCluster(configuration, prepared: prepared, logger: logger, signals: signals, onReady: onReady)
            return
        }
        let node = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: configuration.nodeDirectory, host: configuration.host,
                                                                      port: configuration.port), logger: logger)
        let (urls, urlContinuation) = AsyncStream.makeStream(of: String.self)
        let application = NodeServer.application(node: node, logger: logger) { port in
            urlContinuation.yield("http://\(configuration.host):\(port)")
        }
        let workers = DevnetWorkers(configuration: configuration, keys: prepared.workerKeys, urls: urls, logger: logger) { url in
            await onReady(DevnetInfo(url: url, validators: [url], chainID: chainID, developer: prepared.developer, workers: prepared.workerKeys.map(\.address),
                                     resumed: prepared.resumed))
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: application), .init(service: workers)],
                                                      gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }

    struct Prepared: Sendable {
        var workerKeys: [AccountKey]
        var developer: StoredKey
        var capacityImage: URL
        var resumed: Bool
    }

    /// First start: keys, the capacity-test image, genesis. Later starts: load them.
    static func prepare(_ configuration: DevnetConfiguration, logger: Logger) throws -> Prepared {
        let manager = FileManager.default
        if configuration.fresh, manager.fileExists(atPath: configuration.dataDirectory.path) {
            try manager.removeItem(at: configuration.dataDirectory)
        }
        try manager.createDirectory(at: configuration.imageDirectory(0), withIntermediateDirectories: true)
        let image = try CapacityTestImage.build(at: configuration.imageDirectory(0))
        let developer: StoredKey
        if let existing = try? configuration.keyStore.info(configuration.developerKeyName) {
            developer = existing
        } else {
            developer = try configuration.keyStore.create(configuration.developerKeyName)
        }
        let genesisFile = configuration.nodeDirectory.appendingPathComponent("genesis.json")
        if manager.fileExists(atPath: genesisFile.path) {
            let genesis = try NodeFiles.readGenesis(from: genesisFile)
            let keys = try (0..<genesis.workers.count).map { try NodeFiles.readKey(from: configuration.workerDirectory($0).appendingPathComponent("worker.key")) }
            guard genesis.capacityTestProgram.prover.digest == image.digest else {
                throw DevnetError("this machine's busybox changed since the devnet was created, so its capacity-test image differs; start over with --fresh")
            }
            guard genesis.validators.count == configuration.validators else {
                throw DevnetError("this devnet has \(genesis.validators.count) validator(s); run it with --validators \(genesis.validators.count), or start over with --fresh")
            }
            if keys.count != configuration.workers {
                logger.notice("resuming the devnet with its \(keys.count) workers (--workers applies to a --fresh devnet)")
            }
            return Prepared(workerKeys: keys, developer: developer, capacityImage: image.archive, resumed: true)
        }
        var keys: [AccountKey] = []
        for index in 0..<configuration.workers {
            let key = AccountKey()
            try manager.createDirectory(at: configuration.workerDirectory(index), withIntermediateDirectories: true)
            try NodeFiles.writeKey(key, name: "worker-\(index)", to: configuration.workerDirectory(index).appendingPathComponent("worker.key"))
            keys.append(key)
        }
        var parameters = ChainParameters.genesisDefaults
        parameters.minWorkerStake = 100 * MicroCredit.perCredit
        let accounts = [Genesis.FundedAccount(address: developer.address, balance: configuration.developerCredits)]
        let workers = keys.map { Genesis.InitialWorker(address: $0.address, capacity: configuration.workerCapacity, diskBytes: Devnet.workerDisk,
                                                      // Twice the minimum: one penalty (a missed vote) must not put a
                                                      // worker of a four-worker devnet out until it registers again.
                                                      labels: ["devnet": "true"], stake: 2 * parameters.minWorkerStake) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let program = CapacityTestProgram.deploy(imageDigest: image.digest)
        if configuration.validators == 1 {
            _ = try NodeFiles.initialize(dataDirectory: configuration.nodeDirectory, chainID: chainID, genesis: nil, timestampMilliseconds: now,
                                         initialAccounts: accounts, workers: workers, parameters: parameters, capacityTestProgram: program)
        } else {
            try initializeCluster(configuration, accounts: accounts, workers: workers, parameters: parameters, program: program,
                                  image: image.archive, timestampMilliseconds: now)
        }
        return Prepared(workerKeys: keys, developer: developer, capacityImage: image.archive, resumed: false)
    }

}

/// The devnet's workers as one service: they start once the node listens, and drain (without announcing an exit,
/// so the devnet resumes with them) when the devnet stops.
struct DevnetWorkers: Service {
    let configuration: DevnetConfiguration
    let keys: [AccountKey]
    let urls: AsyncStream<String>
    let logger: Logger
    let onReady: @Sendable (String) async -> Void

    func run() async throws {
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next() else { return }
        let seccomp = try SeccompProfile.containersDefault()
        let daemons = keys.enumerated().map { index, key in
            var worker = WorkerConfiguration(node: url, capacity: configuration.workerCapacity, diskBytes: Devnet.workerDisk, labels: ["devnet": "true"],
                                             dataDirectory: configuration.workerDirectory(index), seccompProfile: seccomp)
            worker.announceExitOnShutdown = false
            return WorkerDaemon(configuration: worker, key: key, logger: logger)
        }
        await onReady(url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for daemon in daemons { group.addTask { try await daemon.run() } }
            try await group.waitForAll()
        }
    }
}

public struct DevnetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
