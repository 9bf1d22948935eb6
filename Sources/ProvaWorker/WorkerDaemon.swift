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
///   assignments, finishes the runs and votes in flight, submits them, then `run()` returns. One that arrives while
///   the worker is still starting takes effect once it has registered.
/// - Cancellation of `run()` is a crash: runs are killed at once and nothing more is sent; the journal keeps what
///   was in flight, so a daemon started again on the same data directory resumes it.
///
/// Everything the daemon does runs in child tasks of `run()` (one task group: the event follower, the reconciler,
/// the image prefetcher, the drain, and every job), so cancelling `run()` reaches all of it and `run()` returns only
/// when all of it has ended.
public actor WorkerDaemon: Service {
    public nonisolated let configuration: WorkerConfiguration
    public nonisolated let address: Address
    let key: AccountKey
    let logger: Logger
    let hooks: WorkerHooks
    let runtimeOverride: (any Runtime)?
    /// How often chain and journal are compared, in case an event was missed or a submission failed.
    let reconcileInterval: Duration

    /// One job handed to `serve()`'s task group: `stopped` ends when the chain has moved on and the job must stop.
    private struct Assignment: Sendable {
        let key: JobKey
        let id: Int
        let stopped: AsyncStream<Void>
    }

    private var services: WorkerServices?
    /// Jobs in flight, with the id of their run (a key dispatched again later gets a new one) and the signal that stops them.
    private var jobs: [JobKey: (id: Int, stop: AsyncStream<Void>.Continuation)] = [:]
    private var nextJobID = 0
    /// Where `dispatch` hands jobs to the task group of `serve()`; finished by `stop()`.
    private var assignments: AsyncStream<Assignment>.Continuation?
    /// Told each time a job ends, while the drain waits for the last one.
    private var jobEnded: AsyncStream<Void>.Continuation?
    private var draining = false
    private var stopping = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    private var startHeight: UInt64 = 0
    /// Graceful-shutdown requests: the shutdown handler's callback is synchronous, so it only signals; the drain
    /// itself runs in `serve()`'s task group.
    private nonisolated let shutdownRequests: AsyncStream<Void>
    private nonisolated let requestShutdown: AsyncStream<Void>.Continuation

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
        (shutdownRequests, requestShutdown) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.serve()
        } onGracefulShutdown: {
            self.requestShutdown.yield()
        }
    }

    /// Starts draining: AnnounceExit, no new work, finish what is in flight; returns when it is done and `run()` returns.
    /// Before `run()` has started it only makes `run()` return at once.
    public func shutdown() async {
        guard !stopping else { return }
        guard services != nil else {
            stop()
            return
        }
        requestShutdown.yield()
        await withCheckedContinuation { continuation in
            if stopping { continuation.resume() } else { stopWaiters.append(continuation) }
        }
    }

    /// Jobs in flight now (for status and tests).
    public var inFlight: [JobKey] { Array(jobs.keys) }

    // MARK: Life cycle

    private func serve() async throws {
        guard !stopping else { return }
        let (assignmentStream, assignments) = AsyncStream.makeStream(of: Assignment.self)
        self.assignments = assignments
        defer { stop() }
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

        var client: ProvaClient
        let mirrors: [ProvaClient]
        do {
            client = try ProvaClient(node: configuration.node)
            mirrors = try configuration.blobMirrors.map { try ProvaClient(node: $0) }
        } catch {
            throw WorkerError.wrap(error, .badNodeUrl, "a node URL is not valid; write e.g. http://127.0.0.1:8545 (or several, separated by commas)")
        }
        client.onNodeSwitch = { [logger] change in
            logger.warning("switched to another node", metadata: ["node": "\(change.to)", "from": "\(change.from)", "reason": "\(change.reason)"])
        }
        let status = try await connect(client)
        startHeight = status.height
        try WorkerIdentity(address: address, node: configuration.node, capacity: configuration.capacity, labels: configuration.labels)
            .write(to: paths.identity)

        let runtime: any Runtime
        if let runtimeOverride {
            runtime = runtimeOverride
        } else {
            // runc mounts the image, inputs and outputs from inside the user namespace: its uid must reach the data directory.
            let (identity, reason) = ProgramIdentity.detect(reachable: [configuration.dataDirectory])
            logger.notice("programs run as \(identity)", metadata: ["why": "\(reason)"])
            let runc = RuncRuntime(runcPath: configuration.runcPath, stateRoot: paths.runcState, seccompProfile: configuration.seccompProfile,
                                   identity: identity)
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
        let (prefetchStream, prefetches) = AsyncStream.makeStream(of: String.self)
        defer { prefetches.finish() }
        let services = WorkerServices(
            address: address, client: client, sender: sender, journal: journal, fetcher: fetcher, images: images, runtime: runtime,
            configuration: configuration, paths: paths, logger: logger, hooks: hooks, programs: ProgramCache(),
            local: LocalCapacity(capacity: configuration.capacity, devices: configuration.gpuDevices),
            isDraining: { [weak self] in await self?.draining ?? true }, prefetches: prefetches)
        self.services = services

        _ = try await Registration.ensure(client: client, sender: sender, address: address, configuration: configuration,
                                          parameters: status.parameters, logger: logger)
        logger.notice("worker running", metadata: ["node": "\(configuration.node)", "capacity": "\(configuration.capacity.summary)",
                                                   "height": "\(status.height)"])
        await withDiscardingTaskGroup { group in
            group.addTask { await self.follow() }
            group.addTask { await self.reconcileLoop() }
            group.addTask { await Self.prefetch(prefetchStream, images: images) }
            group.addTask { await self.drainWhenAsked() }
            // Ends when `stop()` finishes the stream (drained) or when `run()` is cancelled (a crash, which has cancelled
            // every job of the group already).
            for await assignment in assignmentStream {
                group.addTask { await self.perform(assignment, services: services) }
            }
            group.cancelAll()
        }
        try Task.checkCancellation()
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

    private func stop() {
        stopping = true
        assignments?.finish()
        for waiter in stopWaiters { waiter.resume() }
        stopWaiters = []
    }

    /// Drains on the first graceful-shutdown request.
    private func drainWhenAsked() async {
        for await _ in shutdownRequests {
            await drain()
            return
        }
    }

    private func drain() async {
        guard !draining, !stopping, let services else { return }
        draining = true
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
        while !stopping, !Task.isCancelled {
            if jobs.isEmpty {
                // A job that keeps failing (node unreachable) stays in the journal for the next start.
                rounds += 1
                guard rounds <= 5 else { break }
                await reconcile()
                if jobs.isEmpty { break }
                continue
            }
            await untilNoJobs()
        }
        // Cancelled meanwhile: a crash, whose jobs were killed; `serve()` ends on its own.
        guard !Task.isCancelled else { return }
        logger.notice("drained")
        stop()
    }

    /// Returns when no job is in flight, or when the drain is cancelled.
    private func untilNoJobs() async {
        let (ended, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        jobEnded = continuation
        defer { jobEnded = nil }
        for await _ in ended where jobs.isEmpty { return }
    }

    /// Imports the images jobs ask to have ready (`WorkerServices.prefetch`), each in a child task, until cancelled.
    private static func prefetch(_ requests: AsyncStream<String>, images: ImageCache) async {
        await withDiscardingTaskGroup { group in
            for await digest in requests {
                group.addTask { await images.prefetch(digest) }
            }
        }
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
        guard jobs[key] == nil, !stopping, services != nil, let assignments else { return }
        nextJobID += 1
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        jobs[key] = (nextJobID, stop)
        assignments.yield(Assignment(key: key, id: nextJobID, stopped: stopped))
    }

    /// Runs one job (a child of `serve()`'s task group) until it ends or `cancel(_:)` stops it, then takes it off the books.
    private nonisolated func perform(_ assignment: Assignment, services: WorkerServices) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                switch assignment.key.role {
                case .prover: await ProverJob(key: assignment.key, services: services).run()
                case .verifier: await VerifierJob(key: assignment.key, services: services).run()
                }
            }
            group.addTask { for await _ in assignment.stopped {} }
            // Whichever ends first, the job or the signal to stop it, ends the other.
            _ = await group.next()
            group.cancelAll()
        }
        await finished(assignment.key, id: assignment.id)
    }

    private func finished(_ key: JobKey, id: Int) {
        guard let job = jobs[key], job.id == id else { return }
        job.stop.finish()
        jobs[key] = nil
        jobEnded?.yield()
    }

    /// The chain has moved on: stop the job for `key`, if one runs.
    private func cancel(_ key: JobKey) {
        jobs[key]?.stop.finish()
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
