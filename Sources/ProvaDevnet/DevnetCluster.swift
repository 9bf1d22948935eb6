import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import ProvaCore
import ProvaNode
import ServiceLifecycle
import UnixSignals

/// A cluster devnet (`prova devnet --validators N`): N etcd members and N validators, each validator its own
/// `prova node run --etcd …` process (so that one can be killed), and the workers in this process, following every
/// validator. etcd members listen on `port + 1000 + i` (clients) and `port + 2000 + i` (peers).
extension Devnet {
    /// Writes one genesis listing `configuration.validators` new validator keys (the first is the chain authority) and
    /// a data directory per validator holding its key, that genesis, and the capacity-test image archive if given.
    @discardableResult
    public static func initializeCluster(_ configuration: DevnetConfiguration, accounts: [Genesis.FundedAccount], workers: [Genesis.InitialWorker],
                                         parameters: ChainParameters, program: DeployProgram, image: URL?,
                                         timestampMilliseconds: Milliseconds) throws -> Genesis {
        let keys = (0..<configuration.validators).map { _ in AccountKey() }
        let genesis = Genesis(chainID: chainID, timestampMilliseconds: timestampMilliseconds,
                              validators: keys.enumerated().map { Genesis.Validator(key: $1, url: configuration.validatorURL($0)) },
                              authority: keys[0].address, parameters: parameters, accounts: accounts, workers: workers, capacityTestProgram: program)
        for (index, key) in keys.enumerated() {
            _ = try NodeFiles.initialize(dataDirectory: configuration.validatorDirectory(index), chainID: chainID, genesis: genesis,
                                         timestampMilliseconds: timestampMilliseconds, key: key)
            guard let image else { continue }
            let images = configuration.imageDirectory(index)
            let copy = images.appendingPathComponent(image.lastPathComponent)
            if !FileManager.default.fileExists(atPath: copy.path) {
                try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: image, to: copy)
            }
        }
        return genesis
    }

    static func runCluster(_ configuration: DevnetConfiguration, prepared: Prepared, logger: Logger, signals: [UnixSignal],
                           onReady: @escaping @Sendable (DevnetInfo) async -> Void) async throws {
        guard configuration.port > 0 else { throw DevnetError("a cluster devnet needs a fixed --port (its validators use PORT, PORT+1, …)") }
        let etcd = EtcdCluster(directory: configuration.dataDirectory.appendingPathComponent("etcd"), host: configuration.host,
                               clientPort: configuration.port + 1000, peerPort: configuration.port + 2000, members: configuration.validators)
        let validators = try ValidatorProcesses(configuration: configuration, etcd: etcd.clientURLs)
        do {
            try await etcd.start()
            try await validators.startAll()
        } catch {
            await validators.stopAll()
            await etcd.stop()
            throw error
        }
        let urls = (0..<configuration.validators).map(configuration.validatorURL)
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        continuation.yield(urls.joined(separator: ","))
        continuation.finish()
        let workers = DevnetWorkers(configuration: configuration, keys: prepared.workerKeys, urls: stream, logger: logger) { _ in
            await onReady(DevnetInfo(url: urls[0], validators: urls, chainID: chainID, developer: prepared.developer,
                                     workers: prepared.workerKeys.map(\.address), resumed: prepared.resumed))
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: workers)], gracefulShutdownSignals: signals, logger: logger))
        do { try await group.run() } catch {
            await validators.stopAll()
            await etcd.stop()
            throw error
        }
        await validators.stopAll()
        await etcd.stop()
    }
}

/// The validators of a cluster devnet as child processes: started, killed and restarted one by one (the tests crash
/// proposers this way), each logging to `logs/validator-<i>.log` in the devnet's directory, its process ID in
/// `logs/validator-<i>.pid`.
public final class ValidatorProcesses: @unchecked Sendable {
    let configuration: DevnetConfiguration
    let etcd: [String]
    let executable: URL
    /// Used from one task at a time (the devnet's start and stop, a test's steps).
    private var running: [Int: ManagedProcess] = [:]
    /// A command validator `index` is started through, e.g. `["/usr/sbin/ip", "netns", "exec", NAME]` (it must exec the
    /// validator, so that signals reach it).
    public var launchers: [Int: [String]] = [:]

    public init(configuration: DevnetConfiguration, etcd: [String]) throws {
        guard let executable = configuration.provaExecutable else { throw DevnetError("the prova executable to run validators with is unknown") }
        self.configuration = configuration; self.etcd = etcd; self.executable = executable
    }

    public var count: Int { configuration.validators }
    public func url(_ index: Int) -> String { configuration.validatorURL(index) }

    public func startAll() async throws {
        for index in 0..<count { try start(index) }
        for index in 0..<count { try await waitUntilServing(index) }
    }

    /// Starts validator `index` (again, after a kill) on its data directory.
    public func start(_ index: Int) throws {
        guard running[index] == nil else { return }
        var arguments = ["node", "run", "--data-dir", configuration.validatorDirectory(index).path,
                         "--listen", "\(configuration.validatorHost(index)):\(configuration.port + index)", "--log-level", "notice"]
        // No etcd: a solo validator (the baseline of `prova-bench cluster`).
        if !etcd.isEmpty { arguments += ["--etcd", etcd.joined(separator: ","), "--etcd-retained-blocks", "\(configuration.etcdRetainedBlocks)"] }
        var program = executable
        if let launcher = launchers[index], let first = launcher.first {
            arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
            program = URL(fileURLWithPath: first)
        }
        let process = try ManagedProcess(name: "validator \(index)", executable: program, arguments: arguments,
                                         logFile: configuration.dataDirectory.appendingPathComponent("logs/validator-\(index).log"))
        running[index] = process
        // Where an operator (or a test) finds the process to signal.
        try? Data("\(process.processIdentifier)\n".utf8).write(to: configuration.dataDirectory.appendingPathComponent("logs/validator-\(index).pid"))
    }

    /// Crashes validator `index` (SIGKILL): no graceful shutdown, as when its machine fails.
    public func kill(_ index: Int) async {
        guard let process = running.removeValue(forKey: index) else { return }
        process.send(SIGKILL)
        await process.waitForExit()
    }

    public func stopAll() async {
        for process in running.values { await process.stop() }
        running = [:]
    }

    /// Waits (up to 60 s) until validator `index` answers `GET /v1/status`.
    public func waitUntilServing(_ index: Int) async throws {
        for attempt in 0..<300 {
            if let process = running[index], !process.isRunning {
                throw DevnetError("validator \(index) exited while starting; see \(configuration.dataDirectory.path)/logs/validator-\(index).log")
            }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url(index) + "/v1/status"), deadline: .now() + .seconds(1)),
               response.status == .ok {
                return
            }
            // A readiness poll of a child process, not a test's synchronisation: the validator has no other ready signal.
            try await Task.sleep(for: .milliseconds(attempt < 10 ? 50 : 200))
        }
        throw DevnetError("validator \(index) did not answer within 60 s; see \(configuration.dataDirectory.path)/logs/validator-\(index).log")
    }
}
