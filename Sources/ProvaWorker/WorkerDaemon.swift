public import Foundation
public import Logging
import ProvaClient
public import ProvaCore
public import ProvaSandbox
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The prover-node daemon (DESIGN §5, §7, §8): registers, follows its event stream, accepts and runs assignments (each
/// in its own task, several at once within the declared capacity), verifies, and drains on graceful shutdown.
///
/// - Graceful shutdown (SIGTERM under a `ServiceGroup`, or `shutdown()`): sends AnnounceExit, declines new
///   assignments, finishes the runs and votes in flight, submits them, then `run()` returns.
/// - Cancellation of `run()` is a crash: runs are killed at once and nothing more is sent; the journal keeps what
///   was in flight, so a daemon started again on the same data directory resumes it.
public actor WorkerDaemon: Service {
    public nonisolated let configuration: WorkerConfiguration
    public nonisolated let address: Address
    let key: AccountKey
    let logger: Logger
    let hooks: WorkerHooks
    let runtimeOverride: (any Runtime)?
    /// How often chain and journal are compared, in case an event was missed or a submission failed.
    let reconcileInterval: Duration

    private var services: WorkerServices?
    private var jobs: [JobKey: (id: Int, task: Task<Void, Never>)] = [:]
    private var nextJobID = 0
    private var draining = false
    private var stopping = false
    private var aborted = false
    private var stopContinuation: CheckedContinuation<Void, Never>?
    private var startHeight: UInt64 = 0

    /// - Parameter runtime: the sandbox; defaults to runc with the configured seccomp profile.
    public init(configuration: WorkerConfiguration, key: AccountKey, logger: Logger = Logger(label: "prova.worker"),
                hooks: WorkerHooks = WorkerHooks(), runtime: (any Runtime)? = nil, reconcileInterval: Duration = .seconds(30)) {
        self.configuration = configuration
        self.key = key
        self.address = key.address
        var logger = logger
        logger[metadataKey: "worker"] = "\(key.address.prefix(10))"
        self.logger = logger
        self.hooks = hooks
        self.runtimeOverride = runtime
        self.reconcileInterval = reconcileInterval
    }

    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await self.serve()
            } onGracefulShutdown: {
                Task { await self.shutdown() }
            }
        } onCancel: {
            Task { await self.abort() }
        }
    }

    /// Starts draining: AnnounceExit, no new work, finish what is in flight; `run()` then returns.
    public func shutdown() async {
        guard !draining, !stopping else { return }
        draining = true
        guard let services else {
            stop()
            return
        }
        logger.notice("draining: announcing exit and finishing the work in flight", metadata: ["jobs": "\(jobs.count)"])
        if configuration.announceExitOnShutdown {
            do {
                try await services.sender.send(.announceExit(AnnounceExit()))
            } catch {
                logger.warning("could not announce the exit", metadata: ["error": "\(WorkerError.describe(error))"])
            }
        }
        // Work drawn just before the exit was committed still arrives; keep going until nothing is left.
        var rounds = 0
        while !stopping {
            let running = jobs.values.map(\.task)
            if running.isEmpty {
                // A job that keeps failing (node unreachable) stays in the journal for the next start.
                rounds += 1
                guard rounds <= 5 else { break }
                await reconcile()
                if jobs.isEmpty { break }
                continue
            }
            for job in running { await job.value }
        }
        logger.notice("drained")
        stop()
    }

    /// Jobs in flight now (for status and tests).
    public var inFlight: [JobKey] { Array(jobs.keys) }

    // MARK: Life cycle

    private func serve() async throws {
        try configuration.validate()
        let paths = WorkerPaths(root: configuration.dataDirectory)
        for directory in [paths.root, paths.journal, paths.images, paths.downloads, paths.runs, paths.runcState] {
            do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
                throw WorkerError(.dataDirectoryUnwritable, "cannot create \(directory.path); check --data-dir is writable", cause: "\(error)")
            }
        }
        let lock = try DirectoryLock(paths.lock)
        defer { lock.unlock() }
        // Runs of an earlier process are finished with: the journal reruns or resubmits them from scratch.
        if runtimeOverride == nil {
            StaleRuns.cleanUp(runc: configuration.runcPath, stateRoot: paths.runcState, runs: paths.runs)
        } else {
            try? FileManager.default.removeItem(at: paths.runs)
            try? FileManager.default.createDirectory(at: paths.runs, withIntermediateDirectories: true)
        }

        let client: ProvaClient
        let mirrors: [ProvaClient]
        do {
            client = try ProvaClient(node: configuration.node)
            mirrors = try configuration.blobMirrors.map { try ProvaClient(node: $0) }
        } catch {
            throw WorkerError.wrap(error, .badNodeUrl, "a node URL is not valid; write e.g. http://127.0.0.1:8545")
        }
        let status = try await connect(client)
        startHeight = status.height
        try WorkerIdentity(address: address, node: configuration.node, capacity: configuration.capacity, labels: configuration.labels)
            .write(to: paths.identity)

        let runtime: any Runtime
        if let runtimeOverride {
            runtime = runtimeOverride
        } else {
            let runc = RuncRuntime(runcPath: configuration.runcPath, stateRoot: paths.runcState, seccompProfile: configuration.seccompProfile)
            guard runc.isAvailable else {
                throw WorkerError(.runcMissing, "runc is not installed (looked for '\(configuration.runcPath)'); install it with `apt-get install -y runc`")
            }
            guard getuid() == 0 else {
                throw WorkerError(.notRoot, "the worker runs containers with runc and mounts a tmpfs per run: start it as root")
            }
            runtime = runc
        }
        let journal = Journal(dataDirectory: configuration.dataDirectory)
        try await journal.prepare()
        let sender = TransactionSender(client: client, key: key, chain: ChainIdentity(chainID: status.chainID, genesisHash: status.genesisHash), logger: logger, committed: hooks.committed)
        let fetcher = BlobFetcher(sources: [client] + mirrors, directory: paths.downloads, budgetBytes: configuration.downloadCacheBytes,
                                  maxBytes: configuration.maxDownloadBytes, attempts: configuration.transferAttempts, logger: logger)
        let images = ImageCache(store: ImageStore(root: paths.images, diskBudgetBytes: configuration.imageCacheBytes), fetcher: fetcher,
                                staging: paths.downloads)
        services = WorkerServices(
            address: address, client: client, sender: sender, journal: journal, fetcher: fetcher, images: images, runtime: runtime,
            configuration: configuration, paths: paths, logger: logger, hooks: hooks, programs: ProgramCache(),
            local: LocalCapacity(capacity: configuration.capacity, devices: configuration.gpuDevices),
            isDraining: { [weak self] in await self?.draining ?? true })

        _ = try await Registration.ensure(client: client, sender: sender, address: address, configuration: configuration,
                                          parameters: status.parameters, logger: logger)
        logger.notice("worker running", metadata: ["node": "\(configuration.node)", "capacity": "\(configuration.capacity.summary)",
                                                   "height": "\(status.height)"])
        let follower = Task { await self.follow() }
        let reconciler = Task { await self.reconcileLoop() }
        await waitUntilStopped()
        follower.cancel()
        reconciler.cancel()
        await follower.value
        await reconciler.value
        if aborted {
            for job in jobs.values { job.task.cancel() }
            for job in jobs.values { await job.task.value }
            jobs = [:]
            throw CancellationError()
        }
    }

    /// The node's status, waiting a little for a node that is starting.
    private func connect(_ client: ProvaClient) async throws -> ChainStatus {
        var delay = Duration.milliseconds(500)
        for attempt in 1...8 {
            do {
                return try await client.status()
            } catch let error as ClientError where error.code == .nodeUnreachable && attempt < 8 {
                logger.warning("node not reachable yet; retrying", metadata: ["node": "\(configuration.node)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            } catch {
                if isCancellation(error) { throw CancellationError() }
                throw WorkerError.wrap(error, .nodeUnreachable, "cannot read the status of \(configuration.node); is the node running?")
            }
        }
        throw WorkerError(.nodeUnreachable, "no Prova node answers at \(configuration.node); start one or pass --node")
    }

    private func waitUntilStopped() async {
        if stopping { return }
        await withCheckedContinuation { continuation in
            if stopping { continuation.resume() } else { stopContinuation = continuation }
        }
    }

    private func stop() {
        stopping = true
        stopContinuation?.resume()
        stopContinuation = nil
    }

    private func abort() {
        aborted = true
        for job in jobs.values { job.task.cancel() }
        stop()
    }

    // MARK: Events

    /// Follows this worker's events, resuming after the last one handled (the cursor survives restarts).
    private func follow() async {
        guard let services else { return }
        while !Task.isCancelled {
            let cursor = await services.journal.cursor()
            let stream = services.client.events(worker: address, from: cursor == nil ? startHeight : nil, lastEventID: cursor)
            do {
                for try await item in stream {
                    handle(item.event)
                    if let id = item.id { await services.journal.saveCursor(id) }
                }
            } catch {
                if isCancellation(error) { return }
                logger.warning("event stream lost; reconnecting", metadata: ["error": "\(WorkerError.describe(error))"])
            }
            try? await Task.sleep(for: .seconds(2))
            await reconcile()
        }
    }

    private func handle(_ event: LedgerEvent) {
        guard event.worker == address else { return }
        let metadata: Logger.Metadata = ["task": "\(event.task?.prefix(12) ?? "-")", "detail": "\(event.detail ?? "")"]
        switch event.kind {
        case .taskAssigned:
            if let task = event.task, let attempt = event.attempt { dispatch(JobKey(task: task, attempt: attempt, role: .prover)) }
        case .verifierAssigned:
            if let task = event.task, let attempt = event.attempt { dispatch(JobKey(task: task, attempt: attempt, role: .verifier)) }
        case .attemptTimedOut, .acceptanceMissed:
            // The chain has moved on: a run for this attempt can no longer be submitted.
            if let task = event.task, let attempt = event.attempt { cancel(JobKey(task: task, attempt: attempt, role: .prover)) }
            logger.warning("\(event.kind.rawValue)", metadata: metadata)
        case .verifierMissed:
            if let task = event.task, let attempt = event.attempt { cancel(JobKey(task: task, attempt: attempt, role: .verifier)) }
            logger.warning("missed a vote", metadata: metadata)
        case .workerStrike, .workerJailed, .slashed, .capacityTestFailed:
            logger.warning("\(event.kind.rawValue)", metadata: metadata.merging(["amount": "\(event.amount.map(Units.formatCredits) ?? "-")"]) { $1 })
        case .workerActivated, .paid, .stakeReturned, .workerRegistered, .workerExitAnnounced, .capacityTestAssigned, .taskVerified:
            logger.info("\(event.kind.rawValue)", metadata: metadata.merging(["amount": "\(event.amount.map(Units.formatCredits) ?? "-")"]) { $1 })
        default:
            logger.debug("\(event.kind.rawValue)", metadata: metadata)
        }
    }

    // MARK: Jobs

    private func dispatch(_ key: JobKey) {
        guard jobs[key] == nil, !stopping, let services else { return }
        nextJobID += 1
        let id = nextJobID
        let task = Task {
            switch key.role {
            case .prover: await ProverJob(key: key, services: services).run()
            case .verifier: await VerifierJob(key: key, services: services).run()
            }
            self.finished(key, id: id)
        }
        jobs[key] = (id, task)
    }

    private func finished(_ key: JobKey, id: Int) {
        if jobs[key]?.id == id { jobs[key] = nil }
    }

    private func cancel(_ key: JobKey) {
        jobs[key]?.task.cancel()
    }

    private func reconcileLoop() async {
        while !Task.isCancelled {
            await reconcile()
            try? await Task.sleep(for: reconcileInterval)
        }
    }

    /// Resumes every journaled job and every assignment the chain holds for this worker that no job serves now.
    private func reconcile() async {
        guard let services, !stopping else { return }
        for record in await services.journal.all() { dispatch(record.key) }
        let open: [TaskRecord]
        do { open = try await services.client.tasks(worker: address, limit: 100) } catch {
            if !isCancellation(error) { logger.warning("cannot list this worker's tasks", metadata: ["error": "\(WorkerError.describe(error))"]) }
            return
        }
        for task in open where !task.state.isTerminal {
            for attempt in task.attempts {
                if attempt.worker == address, attempt.state == .assigned || attempt.state == .running {
                    dispatch(JobKey(task: task.id, attempt: attempt.number, role: .prover))
                }
                if attempt.state == .delivered, attempt.verifiers.contains(where: { $0.worker == address && $0.state == .pending }) {
                    dispatch(JobKey(task: task.id, attempt: attempt.number, role: .verifier))
                }
            }
        }
    }
}

/// An exclusive `flock` on `<data>/LOCK`: two workers on one data directory would run each other's journal.
final class DirectoryLock: Sendable {
    let descriptor: Int32

    init(_ url: URL) throws {
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw WorkerError(.lockFailed, "cannot create \(url.path); check the data directory is writable")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw WorkerError(.dataDirectoryInUse, "another worker is running on \(url.deletingLastPathComponent().path); stop it first or use another --data-dir")
        }
        self.descriptor = descriptor
    }

    func unlock() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// `<data>/worker.json`: which worker and node a data directory belongs to, for `prova worker status`.
public struct WorkerIdentity: Codable, Sendable, Hashable {
    public var address: Address
    public var node: String
    public var capacity: Resources
    public var labels: [String: String]

    public init(address: Address, node: String, capacity: Resources, labels: [String: String]) {
        self.address = address; self.node = node; self.capacity = capacity; self.labels = labels
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw WorkerError(.dataDirectoryUnwritable, "cannot write \(url.path)", cause: "\(error)")
        }
    }

    public static func read(from dataDirectory: URL) -> WorkerIdentity? {
        FileManager.default.contents(atPath: WorkerPaths(root: dataDirectory).identity.path).flatMap { try? JSONDecoder().decode(WorkerIdentity.self, from: $0) }
    }
}
