import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaDevnet
import ProvaSandbox

/// `e2e.ezkl_ratio`: request → verified proof on disk through the devnet, divided by running the same EZKL prover
/// container directly with runc on the same input, both in this run (images imported beforehand on both sides).
/// `e2e.noop_delivered_p50_ms`: request → delivered for a program that does almost nothing (hashchain, 1 round).
func runEndToEndBenchmarks() async throws -> [BenchLine] {
    let repository = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let ezkl = repository.appendingPathComponent("examples/ezkl/build")
    let hashchain = repository.appendingPathComponent("examples/hashchain/build")
    guard FileManager.default.fileExists(atPath: ezkl.appendingPathComponent("manifest.json").path),
          FileManager.default.fileExists(atPath: hashchain.appendingPathComponent("manifest.json").path) else {
        throw BenchError("build the examples first: examples/ezkl/build.sh && examples/hashchain/build.sh (run from the repository root)")
    }
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("prova-bench-e2e-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: home) }
    let direct = try await directEZKLRun(ezkl, work: home.appendingPathComponent("direct"))

    var logger = Logger(label: "prova.bench.e2e")
    logger.logLevel = .error
    let configuration = DevnetConfiguration(dataDirectory: home.appendingPathComponent("devnet"), workers: 4, port: 0, fresh: true,
                                            keyStore: KeyStore(directory: home.appendingPathComponent("keys")))
    let (ready, readyContinuation) = AsyncStream.makeStream(of: DevnetInfo.self)
    let devnet = Task { try await Devnet.run(configuration, logger: logger, signals: []) { readyContinuation.yield($0) } }
    defer { devnet.cancel() }
    var iterator = ready.makeAsyncIterator()
    guard let info = await iterator.next() else { throw BenchError("the devnet did not start") }
    let client = try ProvaClient(node: info.url)
    let key = try configuration.keyStore.load(info.developer.name)

    // EZKL through the network, warmed up as a network that already served the program is: one request with every
    // worker proving (each imports the prover image, then prefetches the verifier image), one ordinary request
    // (verified by three), then the timed one. The first has no worker left to verify it: it ends accepted-unverified.
    let ezklProgram = try await deploy(client, manifest: ezkl, key: key, name: "bench-ezkl")
    let ezklInput = try await client.prepareInputs([.file(ezkl.appendingPathComponent("input.json"))], uploader: key)
    let resources = Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib)
    _ = try await requestAndWait(client, key: key, RequestProof(program: ezklProgram, inputs: ezklInput, resources: resources, timeLimitSeconds: 300, redundancy: 4),
                             unverifiedIsEnough: true)
    _ = try await requestAndWait(client, key: key, RequestProof(program: ezklProgram, inputs: ezklInput, resources: resources, timeLimitSeconds: 300))
    let started = ContinuousClock.now
    let task = try await requestAndWait(client, key: key, RequestProof(program: ezklProgram, inputs: ezklInput, resources: resources, timeLimitSeconds: 300))
    _ = try await client.downloadOutputs(of: task, to: home.appendingPathComponent("proof"), requireVerified: true)
    let network = (ContinuousClock.now - started).seconds
    let phases = Phases(task)

    // A near no-op: hashchain with one round.
    let hashProgram = try await deploy(client, manifest: hashchain, key: key, name: "bench-noop")
    let hashInput = try await client.prepareInputs([.file(hashchain.appendingPathComponent("input/message.txt"))], uploader: key)
    var delivered: [Double] = []
    for round in 0..<12 {
        let body = RequestProof(program: hashProgram, inputs: hashInput, resources: Resources(cpuMillicores: 1_000, memoryBytes: 128 * Units.mib),
                                timeLimitSeconds: 30, environment: ["HASHCHAIN_ROUNDS=1", "ROUND=\(round)"])
        let sent = ContinuousClock.now
        let status = try await client.send(.requestProof(body), signedBy: key)
        guard let id = status.outcome?.created else { throw BenchError("no task created") }
        _ = try await client.waitForTask(id, until: { $0.deliveredAtMilliseconds != nil }, timeout: .seconds(60))
        if round >= 2 { delivered.append((ContinuousClock.now - sent).seconds * 1_000) }
    }
    delivered.sort()
    return [
        BenchLine(name: "e2e.ezkl_network_s", value: network, unit: "s"),
        BenchLine(name: "e2e.ezkl_direct_s", value: direct, unit: "s"),
        BenchLine(name: "e2e.ezkl_ratio", value: network / direct, unit: "ratio"),
        BenchLine(name: "e2e.ezkl_to_accepted_s", value: phases.toAccepted, unit: "s"),
        BenchLine(name: "e2e.ezkl_prover_run_s", value: phases.proverRun, unit: "s"),
        BenchLine(name: "e2e.ezkl_accepted_to_delivered_s", value: phases.acceptedToDelivered, unit: "s"),
        BenchLine(name: "e2e.ezkl_delivered_to_verified_s", value: phases.deliveredToVerified, unit: "s"),
        BenchLine(name: "e2e.noop_delivered_p50_ms", value: delivered[delivered.count / 2], unit: "ms"),
    ]
}

/// Where the time of one task went, from its record (block times, and the run time the prover measured).
private struct Phases {
    var toAccepted = 0.0, proverRun = 0.0, acceptedToDelivered = 0.0, deliveredToVerified = 0.0

    init(_ task: TaskRecord) {
        guard let attempt = task.attempts.first(where: { $0.number == task.verifiedAttempt }) ?? task.attempts.last else { return }
        func seconds(_ from: Milliseconds?, _ to: Milliseconds?) -> Double {
            guard let from, let to else { return 0 }
            return Double(to - from) / 1_000
        }
        toAccepted = seconds(task.submittedAtMilliseconds, attempt.acceptedAtMilliseconds)
        proverRun = Double(attempt.result?.usage.wallMilliseconds ?? 0) / 1_000
        acceptedToDelivered = seconds(attempt.acceptedAtMilliseconds, attempt.deliveredAtMilliseconds)
        deliveredToVerified = seconds(attempt.deliveredAtMilliseconds, attempt.decidedAtMilliseconds)
    }
}

/// The EZKL prover run directly with runc on the same input (image imported first, not timed).
private func directEZKLRun(_ build: URL, work: URL) async throws -> Double {
    let manifest = try Manifest.read(build)
    let store = ImageStore(root: work.appendingPathComponent("images"), diskBudgetBytes: 10 * Units.gib)
    let rootfs = try await store.rootfs(forArchive: build.appendingPathComponent(manifest.proverArchive), expectedDigest: manifest.proverDigest)
    let input = work.appendingPathComponent("input")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: build.appendingPathComponent("input.json"), to: input.appendingPathComponent("input.json"))
    let runtime = RuncRuntime(stateRoot: work.appendingPathComponent("state"), seccompProfile: try SeccompProfile.containersDefault())
    let spec = RunSpec(rootfs: rootfs, command: manifest.proverCommand, inputDirectory: input, outputDirectory: work.appendingPathComponent("output"),
                       limits: RunLimits(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib, pids: 1024, timeLimitSeconds: 300,
                                         outputBytesLimit: Units.gib, tmpBytesLimit: Units.gib, logBytesLimit: Units.mib),
                       workingDirectory: work.appendingPathComponent("run"))
    let started = ContinuousClock.now
    let result = try await runtime.run(spec)
    guard result.exitCode == 0 else { throw BenchError("the direct EZKL run exited \(result.exitCode)") }
    return (ContinuousClock.now - started).seconds
}

private struct Manifest {
    var proverArchive: String, proverDigest: String, proverCommand: [String]
    var verifierArchive: String, verifierCommand: [String]

    static func read(_ build: URL) throws -> Manifest {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: build.appendingPathComponent("manifest.json"))) as? [String: Any] ?? [:]
        let prover = object["prover"] as? [String: Any] ?? [:]
        let verifier = object["verifier"] as? [String: Any] ?? [:]
        let digest = (prover["digest"] as? String ?? "").replacingOccurrences(of: "sha256:", with: "")
        return Manifest(proverArchive: prover["archive"] as? String ?? "", proverDigest: digest, proverCommand: prover["command"] as? [String] ?? [],
                        verifierArchive: verifier["archive"] as? String ?? "", verifierCommand: verifier["command"] as? [String] ?? [])
    }
}

private func deploy(_ client: ProvaClient, manifest build: URL, key: AccountKey, name: String) async throws -> ProgramID {
    let manifest = try Manifest.read(build)
    let prover = try await client.putBlob(file: build.appendingPathComponent(manifest.proverArchive), signedBy: key)
    let verifier = try await client.putBlob(file: build.appendingPathComponent(manifest.verifierArchive), signedBy: key)
    let body = DeployProgram(name: name, prover: ImageSpec(digest: prover.digest, command: manifest.proverCommand),
                             verifier: ImageSpec(digest: verifier.digest, command: manifest.verifierCommand),
                             defaultResources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), defaultTimeLimitSeconds: 300,
                             verifierResources: Resources(cpuMillicores: 1_000, memoryBytes: 512 * Units.mib), verifierTimeLimitSeconds: 60)
    let status = try await client.send(.deployProgram(body), signedBy: key)
    guard let id = status.outcome?.created else { throw BenchError("the program was not deployed") }
    return id
}

/// Requests a proof and waits for it to end verified — or, with `unverifiedIsEnough`, accepted at all (the warm-up run
/// on every worker leaves no worker to verify it).
private func requestAndWait(_ client: ProvaClient, key: AccountKey, _ request: RequestProof, unverifiedIsEnough: Bool = false) async throws -> TaskRecord {
    let status = try await client.send(.requestProof(request), signedBy: key)
    guard let id = status.outcome?.created else { throw BenchError("no task created") }
    let task = try await client.waitForTask(id, until: { $0.state.isTerminal }, timeout: .seconds(600))
    guard task.state == .verified || (unverifiedIsEnough && task.state.isAccepted) else {
        throw BenchError("the task ended \(task.state.rawValue): \(task.failure ?? "")")
    }
    return task
}
