import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaLedger
import ProvaNode
import ProvaSandbox
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

/// The images the tests use, built once per process from the host's busybox.
enum TestImages {
    /// `prove` hashes /input/data.txt into /output/proof.txt; with an input named `hang-first-attempt` the first
    /// attempt hangs (so a test can kill its worker mid-run) and later attempts run normally.
    /// `verify` exits 0 when /proof/proof.txt is the hash of /input/data.txt, 1 otherwise.
    static let proveScript = """
        #!/bin/sh
        set -eu
        if [ "$PROVA_ATTEMPT" = "1" ] && [ -f /input/hang-first-attempt ]; then
            echo "attempt 1 hangs" >&2
            sleep 600
        fi
        { echo "proof-v1"; sha256sum /input/data.txt | cut -d' ' -f1; } > /output/proof.txt
        echo "proved on $PROVA_CPU_MILLICORES millicores"
        """
    static let verifyScript = """
        #!/bin/sh
        [ -f /proof/proof.txt ] || { echo "no proof" >&2; exit 1; }
        expected="proof-v1
        $(sha256sum /input/data.txt | cut -d' ' -f1)"
        [ "$(cat /proof/proof.txt)" = "$expected" ] || { echo "wrong proof" >&2; exit 1; }
        exit 0
        """

    static let built: Result<(program: (archive: URL, digest: String), capacity: (archive: URL, digest: String)), any Error> = Result {
        let directory = try Scratch.directory("images")
        let program = try BusyboxImage.build(at: directory, name: "hash-prover", files: [
            BusyboxImage.File(path: "usr/local/bin/prove", text: proveScript),
            BusyboxImage.File(path: "usr/local/bin/verify", text: verifyScript),
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

    private init(url: String, client: ProvaClient, user: AccountKey, genesisWorkers: [AccountKey], newcomer: AccountKey, program: ProgramID, directory: URL) {
        self.url = url; self.client = client; self.user = user; self.genesisWorkers = genesisWorkers; self.newcomer = newcomer
        self.program = program; self.directory = directory
    }

    /// Quick fallbacks: a missed result is noticed one second after the time limit.
    static let parameters = ChainParameters(
        acceptWindowMilliseconds: 3_000, uploadGraceMilliseconds: 1_500, voteGraceMilliseconds: 5_000,
        exitDelayMilliseconds: 5_000, idleTestPartsPerMillion: 0, capacityTestTimeLimitSeconds: 30)

    static func with<T: Sendable>(workers count: Int, _ body: @Sendable (WorkerNetwork) async throws -> T) async throws -> T {
        let images = try TestImages.built.get()
        let directory = try Scratch.directory("network")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tag = UUID().uuidString.prefix(8)
        let user = AccountKey(deterministicFrom: "worker-test-user-\(tag)")
        let workers = (0..<count).map { AccountKey(deterministicFrom: "worker-test-\(tag)-\($0)") }
        let newcomer = AccountKey(deterministicFrom: "worker-test-newcomer-\(tag)")
        let authority = AccountKey(deterministicFrom: "worker-test-authority-\(tag)")
        let genesis = Genesis(
            chainID: "prova-worker-test", timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1_000, authority: authority.address,
            parameters: parameters,
            accounts: [Genesis.FundedAccount(address: user.address, balance: 1_000 * MicroCredit.perCredit),
                       Genesis.FundedAccount(address: newcomer.address, balance: 1_000 * MicroCredit.perCredit)],
            workers: workers.map { Genesis.InitialWorker(address: $0.address, capacity: workerCapacity, diskBytes: workerDisk, stake: parameters.minWorkerStake) },
            capacityTestProgram: CapacityTestProgram.deploy(imageDigest: images.capacity.digest))
        let nodeDirectory = directory.appendingPathComponent("node")
        _ = try NodeFiles.initialize(dataDirectory: nodeDirectory, chainID: genesis.chainID, genesis: genesis,
                                     timestampMilliseconds: genesis.timestampMilliseconds)
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
                _ = try await client.putBlob(file: images.program.archive)
                _ = try await client.putBlob(file: images.capacity.archive)
                let deployed = try await client.send(.deployProgram(TestImages.program(digest: images.program.digest)), signedBy: user)
                guard let program = deployed.outcome?.created else { throw TestFailure("the deploy created no program") }
                let network = WorkerNetwork(url: url, client: client, user: user, genesisWorkers: workers, newcomer: newcomer,
                                            program: program, directory: directory)
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

    func configuration(for key: AccountKey, capacity: Resources = WorkerNetwork.workerCapacity) throws -> WorkerConfiguration {
        WorkerConfiguration(node: url, capacity: capacity, diskBytes: Self.workerDisk,
                            dataDirectory: directory.appendingPathComponent("worker-\(key.address.prefix(8))"),
                            imageCacheBytes: Units.gib, downloadCacheBytes: Units.gib, outputBytesLimit: 16 * Units.mib,
                            seccompProfile: try SeccompProfile.containersDefault())
    }

    /// Starts a daemon for `key` (its data directory is derived from the key, so a restart resumes its journal).
    func start(_ key: AccountKey, hooks: WorkerHooks = WorkerHooks(), capacity: Resources = WorkerNetwork.workerCapacity) throws -> RunningWorker {
        var logger = Logger(label: "prova.test.worker")
        logger.logLevel = ProcessInfo.processInfo.environment["PROVA_TEST_WORKER_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let daemon = WorkerDaemon(configuration: try configuration(for: key, capacity: capacity), key: key, logger: logger, hooks: hooks,
                                  reconcileInterval: .seconds(2))
        return RunningWorker(daemon: daemon, task: Task { try await daemon.run() })
    }

    func input(_ name: String, _ text: String) async throws -> InputRef {
        let receipt = try await client.putBlob(bytes: Array(text.utf8))
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

    /// Polls the chain until `condition` holds for the task (or fails after `timeout`, printing the task).
    @discardableResult
    func waitForTask(_ id: TaskID, timeout: Duration = .seconds(90), _ what: String,
                     until condition: @Sendable (TaskRecord) -> Bool) async throws -> TaskRecord {
        let deadline = ContinuousClock.now + timeout
        while true {
            let task = try await client.task(id)
            if condition(task) { return task }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("timed out waiting for \(what); task is \(task.state.rawValue): \(task.attempts.map { "#\($0.number) \($0.worker?.prefix(8) ?? "-") \($0.state.rawValue) \($0.failure ?? "")" })")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func waitForWorker(_ address: Address, timeout: Duration = .seconds(90), _ what: String,
                       until condition: @Sendable (Worker) -> Bool) async throws -> Worker {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let worker = try await client.account(address).worker, condition(worker) { return worker }
            guard ContinuousClock.now < deadline else {
                let worker = try await client.account(address).worker
                throw TestFailure("timed out waiting for \(what); worker is \(worker.map { "\($0.status.rawValue), strikes \($0.strikes)" } ?? "unregistered")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
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

    func ran(_ key: JobKey) { runs[key, default: 0] += 1 }

    func commit(_ body: TransactionBody) {
        switch body {
        case .submitResult(let result): committed.append("result \(result.task)#\(result.attempt)")
        case .submitVote(let vote): committed.append("vote \(vote.task)#\(vote.attempt)")
        case .acceptTask(let accept): committed.append("accept \(accept.task)#\(accept.attempt)")
        default: committed.append(body.kind.rawValue)
        }
    }

    func count(_ prefix: String) -> Int { committed.filter { $0.hasPrefix(prefix) }.count }
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

    func start(_ key: AccountKey, recorder: Recorder, plan: Plan, capacity: Resources = WorkerNetwork.workerCapacity) throws -> RunningWorker {
        try start(key, hooks: Self.hooks(key.address, recorder: recorder, plan: plan), capacity: capacity)
    }
}
