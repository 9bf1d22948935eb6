import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaLedger
import ProvaNode
import ProvaSandbox
import ProvaTesting
import ProvaWorker
import ServiceLifecycle
import Testing

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Scratch space of this test process, removed with it.
enum Scratch {
    static let root: URL = {
        let base = FileManager.default.temporaryDirectory
        // Areas of earlier test processes that are gone.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] where name.hasPrefix("prova-worker-tests-") {
            if let pid = Int32(name.dropFirst("prova-worker-tests-".count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
            }
        }
        let url = base.appendingPathComponent("prova-worker-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func directory(_ label: String) throws -> URL {
        let url = root.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// What runs the programs of a test's workers: `ScriptedRuntime` (anywhere, as any user) or real runc containers
/// (root and runc). A daemon test body takes one and runs unchanged with either.
enum Fidelity: String, Sendable, CustomStringConvertible {
    case scripted, runc
    var description: String { rawValue }
}

/// The images the tests use, built once per process from the host's busybox. Workers fetch and import them at both
/// fidelities; only runc runs what is inside.
enum TestImages {
    static let built: Result<(program: (archive: URL, digest: String), capacity: (archive: URL, digest: String)), any Error> = Result {
        let directory = try Scratch.directory("images")
        let program = try BusyboxImage.build(at: directory, name: "hash-prover", files: [
            BusyboxImage.File(path: "usr/local/bin/prove", text: HashProof.proveScript),
            BusyboxImage.File(path: "usr/local/bin/verify", text: HashProof.verifyScript),
        ])
        return (program, try CapacityTestImage.build(at: directory))
    }

    static func program(digest: String) -> DeployProgram {
        DeployProgram(name: "hash-prover",
                      prover: ImageSpec(digest: digest, command: ["/bin/sh", "/usr/local/bin/prove"]),
                      verifier: ImageSpec(digest: digest, command: ["/bin/sh", "/usr/local/bin/verify"]),
                      defaultResources: Resources(cpuMillicores: 500, memoryBytes: 128 * Units.mib), defaultTimeLimitSeconds: 10,
                      verifierResources: Resources(cpuMillicores: 250, memoryBytes: 64 * Units.mib), verifierTimeLimitSeconds: 10)
    }

    /// What `ScriptedRuntime` runs for the two test images: the hash pair (`HashProof`), and a stand-in for the
    /// capacity test that reports the declared cores and checks them (the real benchmark is tested in runc).
    static let scripted = ScriptedProgram { run in
        guard run.command.contains(CapacityTestProgram.scriptPath) else { return try await HashProof.program(run) }
        let millicores = run.environment["PROVA_TEST_CPU_MILLICORES"].flatMap { Int64($0) } ?? 1000
        let report = "version=1\ncores=\(max(1, (millicores + 999) / 1000))\n"
        switch run.role {
        case .prove:
            return ScriptedOutcome(outputs: ["result.txt": Data(report.utf8)])
        case .verify:
            return run.proof("result.txt") == Data(report.utf8) ? ScriptedOutcome() : ScriptedOutcome(exitCode: 1, stderr: "wrong result\n")
        case nil:
            return ScriptedOutcome(exitCode: 2)
        }
    }
}

/// A validator node in this process on a free port, the test images in its blob store, the hash program deployed,
/// and worker daemons the test starts, kills and restarts.
final class WorkerNetwork: Sendable {
    static let workerCapacity = Resources(cpuMillicores: 2000, memoryBytes: 2 * Units.gib)
    static let workerDisk: ByteCount = 50 * Units.gib

    let url: String
    let client: ProvaClient
    let user: AccountKey
    /// Active from genesis.
    let genesisWorkers: [AccountKey]
    /// Funded but not registered.
    let newcomer: AccountKey
    let program: ProgramID
    let directory: URL
    let fidelity: Fidelity

    private init(url: String, client: ProvaClient, user: AccountKey, genesisWorkers: [AccountKey], newcomer: AccountKey, program: ProgramID,
                 directory: URL, fidelity: Fidelity) {
        self.url = url; self.client = client; self.user = user; self.genesisWorkers = genesisWorkers; self.newcomer = newcomer
        self.program = program; self.directory = directory; self.fidelity = fidelity
    }

    /// Quick fallbacks: a missed result is noticed one second after the time limit.
    static let parameters = ChainParameters(
        acceptWindowMilliseconds: 3_000, uploadGraceMilliseconds: 1_500, voteGraceMilliseconds: 5_000,
        exitDelayMilliseconds: 5_000, idleTestPartsPerMillion: 0, capacityTestTimeLimitSeconds: 30)

    static func with<T: Sendable>(workers count: Int, fidelity: Fidelity = .scripted, _ body: @Sendable (WorkerNetwork) async throws -> T) async throws -> T {
        let images = try TestImages.built.get()
        let directory = try Scratch.directory("network")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tag = UUID().uuidString.prefix(8)
        let user = AccountKey(deterministicFrom: "worker-test-user-\(tag)")
        let workers = (0..<count).map { AccountKey(deterministicFrom: "worker-test-\(tag)-\($0)") }
        let newcomer = AccountKey(deterministicFrom: "worker-test-newcomer-\(tag)")
        let authority = AccountKey(deterministicFrom: "worker-test-authority-\(tag)")
        let genesis = Genesis(
            chainID: "prova-worker-test", timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1_000,
            validators: [Genesis.Validator(key: authority, url: NodeFiles.defaultValidatorURL)], authority: authority.address,
            parameters: parameters,
            accounts: [Genesis.FundedAccount(address: user.address, balance: 1_000 * MicroCredit.perCredit),
                       Genesis.FundedAccount(address: newcomer.address, balance: 1_000 * MicroCredit.perCredit)],
            workers: workers.map { Genesis.InitialWorker(address: $0.address, capacity: workerCapacity, diskBytes: workerDisk, stake: parameters.minWorkerStake) },
            capacityTestProgram: CapacityTestProgram.deploy(imageDigest: images.capacity.digest))
        let nodeDirectory = directory.appendingPathComponent("node")
        _ = try NodeFiles.initialize(dataDirectory: nodeDirectory, chainID: genesis.chainID, genesis: genesis,
                                     timestampMilliseconds: genesis.timestampMilliseconds, key: authority)
        var logger = Logger(label: "prova.test.node")
        logger.logLevel = .warning
        let node = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: nodeDirectory, port: 0), logger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = NodeServer.application(node: node, logger: logger) { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("the node did not start listening") }
            let url = "http://127.0.0.1:\(port)"
            do {
                let client = try ProvaClient(node: url)
                _ = try await client.putBlob(file: images.program.archive, signedBy: user)
                _ = try await client.putBlob(file: images.capacity.archive, signedBy: user)
                let deployed = try await client.send(.deployProgram(TestImages.program(digest: images.program.digest)), signedBy: user)
                guard let program = deployed.outcome?.created else { throw TestFailure("the deploy created no program") }
                let network = WorkerNetwork(url: url, client: client, user: user, genesisWorkers: workers, newcomer: newcomer,
                                            program: program, directory: directory, fidelity: fidelity)
                let result = try await body(network)
                await group.triggerGracefulShutdown()
                for try await _ in tasks {}
                return result
            } catch {
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }

    /// `node` defaults to the network's node; a comma-separated list makes the worker fail over.
    func configuration(for key: AccountKey, capacity: Resources = WorkerNetwork.workerCapacity, node: String? = nil) throws -> WorkerConfiguration {
        WorkerConfiguration(node: node ?? url, capacity: capacity, diskBytes: Self.workerDisk,
                            dataDirectory: directory.appendingPathComponent("worker-\(key.address.prefix(8))"),
                            imageCacheBytes: Units.gib, downloadCacheBytes: Units.gib, outputBytesLimit: 16 * Units.mib,
                            seccompProfile: fidelity == .runc ? try SeccompProfile.containersDefault() : nil)
    }

    /// Starts a daemon for `key` (its data directory is derived from the key, so a restart resumes its journal).
    func start(_ key: AccountKey, hooks: WorkerHooks = WorkerHooks(), capacity: Resources = WorkerNetwork.workerCapacity,
               program: ScriptedProgram = TestImages.scripted, node: String? = nil) throws -> RunningWorker {
        var logger = Logger(label: "prova.test.worker")
        logger.logLevel = ProcessInfo.processInfo.environment["PROVA_TEST_WORKER_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let runtime: (any Runtime)? = fidelity == .scripted ? ScriptedRuntime(program) : nil
        let daemon = WorkerDaemon(configuration: try configuration(for: key, capacity: capacity, node: node), key: key, logger: logger, hooks: hooks,
                                  runtime: runtime, reconcileInterval: .seconds(2))
        return RunningWorker(daemon: daemon, task: Task { try await daemon.run() })
    }

    func input(_ name: String, _ text: String) async throws -> InputRef {
        let receipt = try await client.putBlob(bytes: Array(text.utf8), signedBy: user)
        return InputRef(path: name, digest: receipt.digest, size: receipt.size)
    }

    func request(inputs: [InputRef], verifiers: Int64 = 2, timeLimit: Seconds = 10,
                 resources: Resources = Resources(cpuMillicores: 500, memoryBytes: 128 * Units.mib)) async throws -> TaskID {
        let status = try await client.send(.requestProof(RequestProof(
            program: program, inputs: inputs, resources: resources,
            timeLimitSeconds: timeLimit, verifiers: verifiers)), signedBy: user)
        guard let task = status.outcome?.created else { throw TestFailure("the request created no task") }
        return task
    }

    /// Waits until `condition` holds for the task, re-reading it after each of the task's events on the node (from
    /// the height it was first read at, so nothing in between is missed). Returns the record that satisfied it.
    @discardableResult
    func waitForTask(_ id: TaskID, _ what: String, until condition: @escaping @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord {
        let client = client
        let height = try await client.status().height
        let seen = LastSeen<TaskRecord>()
        @Sendable func summary(_ task: TaskRecord) -> String {
            "task is \(task.state.rawValue): \(task.attempts.map { "#\($0.number) \($0.worker?.prefix(8) ?? "-") \($0.state.rawValue) \($0.failure ?? "")" })"
        }
        try await eventually(what, over: NodeEvents { client.events(task: id, from: height) }, describe: {
            await seen.value.map(summary) ?? ""
        }) {
            let task = try await client.task(id)
            await seen.set(task)
            if condition(task) { return true }
            // A finished task never changes again: say so now rather than wait for the hang guard.
            if task.state.isTerminal { throw TestFailure("\(what) cannot happen any more: \(summary(task))") }
            return false
        }
        guard let task = await seen.value else { throw TestFailure("\(what): the task was never read") }
        return task
    }

    /// Waits until `condition` holds for the worker, re-reading it after each of the worker's events on the node.
    @discardableResult
    func waitForWorker(_ address: Address, _ what: String, until condition: @escaping @Sendable (Worker) -> Bool) async throws -> Worker {
        let client = client
        let height = try await client.status().height
        let seen = LastSeen<Worker>()
        try await eventually(what, over: NodeEvents { client.events(worker: address, from: height) }, describe: {
            await seen.value.map { "worker is \($0.status.rawValue), strikes \($0.strikes)" } ?? "unregistered"
        }) {
            guard let worker = try await client.account(address).worker else { return false }
            await seen.set(worker)
            return condition(worker)
        }
        guard let worker = await seen.value else { throw TestFailure("\(what): the worker was never read") }
        return worker
    }
}

/// The node's event stream, opened only when iterated: an `eventually` whose condition holds at once opens no
/// connection, and one that ends closes it (the stream's termination cancels its reader).
struct NodeEvents: AsyncSequence, Sendable {
    let open: @Sendable () -> AsyncThrowingStream<StreamedEvent, any Error>

    func makeAsyncIterator() -> AsyncThrowingStream<StreamedEvent, any Error>.Iterator { open().makeAsyncIterator() }
}

/// The last value a wait read, for its result and for the message when it gives up.
actor LastSeen<Value: Sendable> {
    private(set) var value: Value?
    func set(_ value: Value) { self.value = value }
}

/// A daemon running in a task: `kill()` cancels it (a crash: runs die, nothing more is sent), `drain()` shuts it down gracefully.
struct RunningWorker: Sendable {
    let daemon: WorkerDaemon
    let task: Task<Void, any Error>

    var address: Address { daemon.address }

    func kill() async {
        task.cancel()
        _ = await task.result
    }

    func drain() async throws {
        await daemon.shutdown()
        try await task.value
    }
}

/// What the daemons' hooks saw: runs started and transactions committed, by every daemon of a test.
actor Recorder {
    private(set) var runs: [JobKey: Int] = [:]
    private(set) var committed: [String] = []
    private var watchers: [AsyncStream<Void>.Continuation] = []

    func ran(_ key: JobKey) {
        runs[key, default: 0] += 1
        changed()
    }

    func commit(_ body: TransactionBody) {
        switch body {
        case .submitResult(let result): committed.append("result \(result.task)#\(result.attempt)")
        case .commitVote(let vote): committed.append("commit \(vote.task)#\(vote.attempt)")
        case .revealVote(let vote): committed.append("vote \(vote.task)#\(vote.attempt)")
        case .acceptTask(let accept): committed.append("accept \(accept.task)#\(accept.attempt)")
        default: committed.append(body.kind.rawValue)
        }
        changed()
    }

    func count(_ prefix: String) -> Int { committed.filter { $0.hasPrefix(prefix) }.count }

    /// One element after each thing recorded from now on: what `eventually` waits over.
    func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        watchers.append(continuation)
        return stream
    }

    private func changed() {
        for watcher in watchers { watcher.yield() }
    }
}

/// Holds a prover job at a hook, once per planned task, whichever worker runs it: the test then kills, restarts or
/// drains that worker at an exact step instead of guessing with sleeps.
actor Plan {
    enum Point: Sendable { case run, submit }
    private var stops: [TaskID: Point] = [:]
    private var holders: [TaskID: [AsyncStream<Void>.Continuation]] = [:]
    private var released: Set<TaskID> = []
    private var heldBy: [TaskID: Address] = [:]
    private var waiters: [TaskID: [CheckedContinuation<Address, Never>]] = [:]

    func stop(_ task: TaskID, at point: Point) { stops[task] = point }

    /// Called by the hooks: holds the job until `release` or until its daemon is killed.
    func checkpoint(_ key: JobKey, _ point: Point, worker: Address) async {
        guard key.role == .prover, stops[key.task] == point else { return }
        stops[key.task] = nil
        heldBy[key.task] = worker
        for waiter in waiters.removeValue(forKey: key.task) ?? [] { waiter.resume(returning: worker) }
        guard !released.contains(key.task) else { return }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        holders[key.task, default: []].append(continuation)
        for await _ in stream {}
    }

    func release(_ task: TaskID) {
        released.insert(task)
        for holder in holders.removeValue(forKey: task) ?? [] { holder.finish() }
    }

    /// The worker whose job is held for `task`, once it is.
    func held(_ task: TaskID) async -> Address {
        if let worker = heldBy[task] { return worker }
        return await withCheckedContinuation { waiters[task, default: []].append($0) }
    }
}

extension WorkerNetwork {
    /// Hooks that record into `recorder` and stop where `plan` says.
    static func hooks(_ worker: Address, recorder: Recorder, plan: Plan) -> WorkerHooks {
        WorkerHooks(
            runStarting: { key in
                await recorder.ran(key)
                await plan.checkpoint(key, .run, worker: worker)
            },
            beforeSubmit: { key in await plan.checkpoint(key, .submit, worker: worker) },
            committed: { body in await recorder.commit(body) })
    }

    func start(_ key: AccountKey, recorder: Recorder, plan: Plan, capacity: Resources = WorkerNetwork.workerCapacity,
               node: String? = nil) throws -> RunningWorker {
        try start(key, hooks: Self.hooks(key.address, recorder: recorder, plan: plan), capacity: capacity, node: node)
    }
}
