import Foundation
import ProvaClient
import ProvaCore
import ProvaWorker
import ProvaTesting
import Testing

/// Real worker daemons against a real in-process node. Each body runs twice: with `ScriptedRuntime` always, and in
/// real runc containers where root and runc are present. They wait on the node's event stream and the daemons'
/// hooks; nothing is synchronised by sleeping, and nothing is asserted about time.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonTests {
    @Test("assignment → accept → run → result → two verifications → paid (scripted runtime)", .tags(.endToEnd))
    func provesAndGetsPaid() async throws { try await Self.provesAndGetsPaid(.scripted) }

    @Test("assignment → accept → run → result → two verifications → paid (runc)", .tags(.endToEnd), .requiresContainers)
    func provesAndGetsPaidInContainers() async throws { try await Self.provesAndGetsPaid(.runc) }

    @Test("a worker killed during its run: the task falls back to another worker and is verified (scripted runtime)", .tags(.endToEnd))
    func killedWorkerFallsBack() async throws { try await Self.killedWorkerFallsBack(.scripted) }

    @Test("a worker killed during its run: the task falls back to another worker and is verified (runc)", .tags(.endToEnd), .requiresContainers)
    func killedWorkerFallsBackInContainers() async throws { try await Self.killedWorkerFallsBack(.runc) }

    @Test("a new worker registers with stake, passes its capacity test and becomes active (scripted runtime)", .tags(.endToEnd))
    func newWorkerPassesCapacityTest() async throws { try await Self.newWorkerPassesCapacityTest(.scripted) }

    @Test("a new worker registers with stake, passes its capacity test and becomes active (runc)", .tags(.endToEnd), .requiresContainers)
    func newWorkerPassesCapacityTestInContainers() async throws { try await Self.newWorkerPassesCapacityTest(.runc) }

    @Test("restarts neither lose nor double-submit work in flight; SIGTERM drains (scripted runtime)", .tags(.endToEnd))
    func restartAndDrain() async throws { try await Self.restartAndDrain(.scripted) }

    @Test("restarts neither lose nor double-submit work in flight; SIGTERM drains (runc)", .tags(.endToEnd), .requiresContainers)
    func restartAndDrainInContainers() async throws { try await Self.restartAndDrain(.runc) }

    static func provesAndGetsPaid(_ fidelity: Fidelity) async throws {
        try await WorkerNetwork.with(workers: 3, fidelity: fidelity) { network in
            let recorder = Recorder()
            let plan = Plan()
            let workers = try network.genesisWorkers.map { try network.start($0, recorder: recorder, plan: plan) }
            let data = try await network.input("data.txt", "hello prova\n")
            // Large enough a fee (1 core, 1 GiB for 2 minutes) that 10 % split between two verifiers is not rounded away.
            let id = try await network.request(inputs: [data], verifiers: 2, timeLimit: 120,
                                               resources: Resources(cpuMillicores: 1000, memoryBytes: Units.gib))
            let task = try await network.waitForTask(id, "verification") { $0.state == .verified }

            #expect(task.attempts.count == 1)
            let attempt = try #require(task.attempts.first)
            let result = try #require(attempt.result)
            #expect(result.exitCode == 0 && !result.timedOut && !result.oomKilled)
            #expect(result.outputs.map(\.path) == ["proof.txt"])
            #expect(result.usage.wallMilliseconds > 0)
            #expect(attempt.verifiers.count == 2)
            #expect(attempt.verifiers.allSatisfy { $0.vote == .valid && $0.worker != attempt.worker })

            // The proof is downloadable and right; the logs are stored too.
            let proof = try #require(result.outputs.first)
            let file = network.directory.appendingPathComponent("proof.txt")
            try await network.client.getBlob(digest: proof.digest, to: file)
            let expected = "proof-v1\n\(SHA256Hex.of(Array("hello prova\n".utf8)))\n"
            #expect(String(decoding: try Data(contentsOf: file), as: UTF8.self) == expected)
            let stdoutDigest = try #require(result.stdoutDigest)
            let log = network.directory.appendingPathComponent("stdout.txt")
            try await network.client.getBlob(digest: stdoutDigest, to: log)
            #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains("proved on 1000 millicores"))

            // Paid: the prover its share, each verifier its share.
            let prover = try #require(attempt.worker)
            #expect(task.paid > 0)
            #expect(try await network.client.worker(prover).earned > 0)
            for duty in attempt.verifiers {
                #expect(try await network.client.worker(duty.worker).earned > 0)
            }
            // Genesis workers declared the same capacity: nobody re-registered; exactly one result was sent.
            #expect(await recorder.count("RegisterWorker") == 0)
            #expect(await recorder.count("result") == 1)
            #expect(await recorder.count("vote") == 2)

            for worker in workers { try await worker.drain() }
            for worker in workers {
                #expect(try await network.client.worker(worker.address).status == .exiting)
            }
        }
    }

    static func killedWorkerFallsBack(_ fidelity: Fidelity) async throws {
        try await WorkerNetwork.with(workers: 4, fidelity: fidelity) { network in
            let recorder = Recorder()
            let plan = Plan()
            var workers: [Address: RunningWorker] = [:]
            for key in network.genesisWorkers { workers[key.address] = try network.start(key, recorder: recorder, plan: plan) }
            let data = try await network.input("data.txt", "fall back\n")
            // The program hangs on attempt 1 when this input is present, so the first worker is surely mid-run.
            let hang = try await network.input("hang-first-attempt", "1")
            let id = try await network.request(inputs: [data, hang], verifiers: 2, timeLimit: 8)
            let running = try await network.waitForTask(id, "the first run") { $0.attempts.first?.state == .running }
            let first = try #require(running.attempts.first?.worker)
            try await network.waitForRunStart(recorder, JobKey(task: id, attempt: 1, role: .prover))
            await workers[first]?.kill()

            let task = try await network.waitForTask(id, "the fallback's verification") { $0.state == .verified }
            #expect(task.attempts.count == 2)
            #expect(task.attempts[0].worker == first)
            #expect(task.attempts[0].state == .timedOut)
            #expect(task.attempts[1].worker != first)
            #expect(task.attempts[1].state == .verified)
            #expect(task.attempts[1].verifiers.filter { $0.vote == .valid }.count == 2)
            #expect(task.verifiedAttempt == 2)
            // DESIGN §5: the requester gets half the fee back, funded by slashing the failed prover.
            #expect(task.refunded > 0)
            #expect(try await network.client.worker(first).slashed > 0)
            for worker in workers.values where worker.address != first { await worker.kill() }
        }
    }

    static func newWorkerPassesCapacityTest(_ fidelity: Fidelity) async throws {
        try await WorkerNetwork.with(workers: 3, fidelity: fidelity) { network in
            let recorder = Recorder()
            let plan = Plan()
            let verifiers = try network.genesisWorkers.map { try network.start($0, recorder: recorder, plan: plan) }
            let capacity = Resources(cpuMillicores: 1000, memoryBytes: Units.gib)
            let newcomer = try network.start(network.newcomer, recorder: recorder, plan: plan, capacity: capacity)
            let worker = try await network.waitForWorker(network.newcomer.address, "activation") { $0.status == .active }
            #expect(worker.capacity == capacity)
            #expect(worker.stake == WorkerNetwork.parameters.minWorkerStake)
            #expect(worker.capacityTest == nil)
            #expect(worker.tasksProved == 1)
            #expect(worker.strikes == 0)
            #expect(await recorder.count("RegisterWorker") == 1)

            // The capacity test ran (the benchmark itself in runc, its stand-in when scripted) and was verified.
            let tests = try await network.client.tasks(worker: network.newcomer.address)
            let test = try #require(tests.first { $0.kind == .capacityTest })
            #expect(test.state == .verified)
            #expect(test.attempts.first?.result?.outputs.map(\.path) == ["result.txt"])
            await newcomer.kill()
            for verifier in verifiers { await verifier.kill() }
        }
    }

    static func restartAndDrain(_ fidelity: Fidelity) async throws {
        try await WorkerNetwork.with(workers: 3, fidelity: fidelity) { network in
            let recorder = Recorder()
            let plan = Plan()
            var workers: [Address: RunningWorker] = [:]
            let keys = Dictionary(uniqueKeysWithValues: network.genesisWorkers.map { ($0.address, $0) })
            for key in network.genesisWorkers { workers[key.address] = try network.start(key, recorder: recorder, plan: plan) }
            let data = try await network.input("data.txt", "restart me\n")

            // (a) Killed while running: the restarted worker runs the accepted attempt again and submits it once.
            let rerun = try await network.request(inputs: [data], verifiers: 2, timeLimit: 20)
            await plan.stop(rerun, at: .run)
            let first = await plan.held(rerun)
            await workers[first]?.kill()
            workers[first] = try network.start(try #require(keys[first]), recorder: recorder, plan: plan)
            let rerunTask = try await network.waitForTask(rerun, "verification after the rerun") { $0.state == .verified }
            #expect(rerunTask.attempts.count == 1)
            #expect(rerunTask.attempts.first?.worker == first)
            #expect(await recorder.runs[JobKey(task: rerun, attempt: 1, role: .prover)] == 2)
            #expect(await recorder.count("result \(rerun)") == 1)
            // Accepted once, by the first process (its acceptance may reach a block after it was killed, unobserved).
            #expect(rerunTask.attempts.first?.acceptedAtMilliseconds != nil)
            #expect(await recorder.count("accept \(rerun)") <= 1)

            // (b) Killed after the result was journaled, before it was sent: the restarted worker sends it without running again.
            let resubmit = try await network.request(inputs: [data], verifiers: 2, timeLimit: 20)
            await plan.stop(resubmit, at: .submit)
            let second = await plan.held(resubmit)
            await workers[second]?.kill()
            workers[second] = try network.start(try #require(keys[second]), recorder: recorder, plan: plan)
            let resubmitTask = try await network.waitForTask(resubmit, "verification after the resubmission") { $0.state == .verified }
            #expect(resubmitTask.attempts.count == 1)
            #expect(await recorder.runs[JobKey(task: resubmit, attempt: 1, role: .prover)] == 1)
            #expect(await recorder.count("result \(resubmit)") == 1)

            // (c) Graceful shutdown mid-run: exit is announced, the run finishes and is submitted, then the daemon returns.
            let drained = try await network.request(inputs: [data], verifiers: 2, timeLimit: 20)
            await plan.stop(drained, at: .run)
            let third = await plan.held(drained)
            let draining = try #require(workers[third])
            async let shutdown: Void = draining.drain()
            _ = try await network.waitForWorker(third, "the exit announcement") { $0.status == .exiting }
            await plan.release(drained)
            try await shutdown
            let drainedTask = try await network.waitForTask(drained, "verification of the drained run") { $0.state == .verified }
            #expect(drainedTask.attempts.count == 1)
            #expect(drainedTask.attempts.first?.worker == third)
            for worker in workers.values where worker.address != third { await worker.kill() }
        }
    }
}

extension WorkerNetwork {
    /// Waits until some daemon's hook saw `key` start running.
    func waitForRunStart(_ recorder: Recorder, _ key: JobKey) async throws {
        try await eventually("a worker starting to run \(key)", over: await recorder.changes()) { await recorder.runs[key] != nil }
    }
}
