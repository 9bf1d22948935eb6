import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaSandbox

/// One prover attempt assigned to this worker: accept (or decline) inside the window, fetch, run, upload, submit.
///
/// Every step first reads the task from the chain, so a job started twice, or again after a restart, only does what
/// the chain still lacks: it never accepts twice, reruns an accepted attempt whose result is unknown, and resends a
/// journaled result instead of running again.
struct ProverJob: Sendable {
    let key: JobKey
    let services: WorkerServices
    var logger: Logger { services.logger }

    func run() async {
        await services.runJob(key, failure: "job failed; it is retried from the journal", proceed)
    }

    private func proceed() async throws {
        // A few rounds: an AcceptTask can race with a restart's earlier one; re-read the chain and go on from there.
        for _ in 0..<3 {
            let task = try await services.task(key.task)
            guard key.attempt >= 1, key.attempt <= task.attempts.count, task.attempts[key.attempt - 1].worker == services.address else {
                await services.journal.remove(key)
                return
            }
            let attempt = task.attempts[key.attempt - 1]
            var record = await services.journal.record(key) ?? JobRecord(key: key, phase: .accepting, program: task.program, resources: task.resources)
            switch attempt.state {
            case .assigned where record.phase != .accepting:
                // This worker's acceptance was admitted before a restart and its block has not come yet: another
                // AcceptTask would fail behind it. Wait for the chain to move, then go on from what it says.
                let attemptIndex = key.attempt - 1
                _ = try? await services.client.waitForTask(key.task, until: { $0.attempts[attemptIndex].state != .assigned },
                                                            timeout: .seconds(30), pollInterval: .milliseconds(250))
                continue
            case .assigned:
                if let reason = await refusal(task) {
                    await decline(reason)
                    return
                }
                guard let gpus = await services.local.reserve(key, task.resources) else {
                    await decline("no free capacity on this worker right now")
                    return
                }
                try await services.journal.save(record)
                if try await acceptWhileRunning(task, record: record, gpus: gpus) { return }
                continue
            case .running:
                // Accepted earlier (by this process or before a restart): finish it.
                let gpus = await services.local.reserve(key, task.resources, force: true) ?? []
                if record.phase == .accepting { record.phase = .running }
                try await execute(task, record: record, gpus: gpus)
                return
            default:
                await services.journal.remove(key)
                return
            }
        }
    }

    /// Why this worker cannot take the task, or nil when it can. Only cheap checks: the window is seconds long.
    private func refusal(_ task: TaskRecord) async -> String? {
        if await services.isDraining() { return "the worker is shutting down" }
        let program: Program
        do { program = try await services.program(task.program) } catch {
            return "the program \(task.program.prefix(12)) cannot be read: \(WorkerError.describe(error))"
        }
        if program.blocked { return "the program is blocked" }
        let devices = services.configuration.gpuDevices.count
        if task.resources.gpus > Int64(devices) { return "the task needs \(task.resources.gpus) GPUs; this worker has \(devices)" }
        if !(await services.local.wouldFit(task.resources)) { return "no free capacity on this worker right now" }
        if let big = task.inputs.first(where: { $0.size > services.configuration.maxDownloadBytes }) {
            return "input \(big.path) is \(Units.formatBytes(big.size)); this worker downloads at most \(Units.formatBytes(services.configuration.maxDownloadBytes)) per file"
        }
        if !(await services.images.isAvailable(program.deploy.prover.digest)) {
            return "the prover image \(program.deploy.prover.digest.prefix(12)) is not stored on any node this worker knows"
        }
        return nil
    }

    private func decline(_ reason: String) async {
        logger.notice("declining", metadata: ["job": "\(key)", "reason": "\(reason)"])
        do {
            try await services.sender.send(.declineTask(DeclineTask(task: key.task, attempt: key.attempt, reason: String(reason.prefix(300)))), urgent: true)
        } catch {
            logger.warning("could not decline", metadata: ["job": "\(key)", "error": "\(WorkerError.describe(error))"])
        }
        await services.journal.remove(key)
    }

    /// What runs beside the acceptance: the run itself, and the wait for the acceptance's block.
    private enum AlongsideAcceptance: Sendable {
        case produced(SubmitResult)
        case accepted(Result<TransactionStatus, any Error>)
    }

    /// Accepts the attempt and finishes it; false when the chain was not awaiting this acceptance after all (an
    /// earlier process's acceptance got there first), so the caller reads the chain again.
    ///
    /// The run starts now, while the AcceptTask waits for its block, and its result is sent as soon as it is ready,
    /// right behind the acceptance: a short run's result joins the acceptance's block. The run and the wait for the
    /// acceptance are child tasks of the job, so a job that is stopped stops them.
    private func acceptWhileRunning(_ task: TaskRecord, record: JobRecord, gpus: [GPUDevice]) async throws -> Bool {
        try await withThrowingTaskGroup(of: AlongsideAcceptance.self) { group in
            group.addTask { .produced(try await produce(task, gpus: gpus)) }
            let acceptance: SignedTransaction
            do {
                acceptance = try await services.sender.admit(.acceptTask(AcceptTask(task: key.task, attempt: key.attempt)), urgent: true)
            } catch let error as ClientError where error.code == .notAwaitingAcceptance {
                await stop(&group)
                return false
            } catch let error as ClientError where error.isClientMistake {
                logger.warning("could not accept", metadata: ["job": "\(key)", "error": "\(error)"])
                await stop(&group)
                await services.journal.remove(key)
                return true
            } catch {
                await stop(&group)
                throw error
            }
            logger.info("accepting", metadata: ["job": "\(key)", "resources": "\(task.resources.summary)", "timeLimit": "\(task.timeLimitSeconds)s"])
            group.addTask {
                do { return .accepted(.success(try await services.sender.waitForCommit(acceptance))) } catch { return .accepted(.failure(error)) }
            }
            var record = record
            record.phase = .running
            var produced: SubmitResult?
            var accepted: Result<TransactionStatus, any Error>?
            do {
                try await services.journal.save(record)
                while produced == nil, let next = try await group.next() {
                    switch next {
                    case .produced(let result): produced = result
                    case .accepted(let outcome): accepted = outcome
                    }
                }
            } catch {
                await stop(&group)
                throw error
            }
            guard let produced else {
                await stop(&group)
                throw CancellationError()
            }
            // A result refused because the acceptance was left out of its block ends this job (the submission
            // logs why); if the attempt is still open, reconciling starts it again.
            try await execute(task, record: record, gpus: gpus, produced: produced)
            if accepted == nil, case .accepted(let outcome)? = try await group.next() { accepted = outcome }
            if case .failure(let refusal)? = accepted {
                logger.warning("acceptance refused", metadata: ["job": "\(key)", "error": "\(WorkerError.describe(refusal))"])
            }
            return true
        }
    }

    /// Stops what runs beside a failed acceptance, waits for the container to go, and frees the capacity.
    private func stop(_ group: inout ThrowingTaskGroup<AlongsideAcceptance, any Error>) async {
        group.cancelAll()
        while !group.isEmpty { _ = try? await group.next() }
        await services.local.release(key)
    }

    /// Finishes an accepted attempt, holding its local capacity until the result is on the chain. `produced` is the
    /// result of a run that went on while accepting.
    private func execute(_ task: TaskRecord, record: JobRecord, gpus: [GPUDevice], produced: SubmitResult? = nil) async throws {
        do {
            try await finish(task, record: record, gpus: gpus, produced: produced)
        } catch {
            await services.local.release(key)
            throw error
        }
        await services.local.release(key)
        // Provers of a program are often drawn to verify it next: have its verifier image ready.
        if let program = try? await services.program(task.program) { services.prefetch(program.deploy.verifier.digest) }
    }

    private func finish(_ task: TaskRecord, record: JobRecord, gpus: [GPUDevice], produced: SubmitResult?) async throws {
        var record = record
        if record.phase == .submitting, let result = record.result {
            try await services.submit(.submitResult(result), record: record)
            return
        }
        let result: SubmitResult
        if record.phase == .finished, let journaled = record.result {
            result = journaled
        } else {
            if let produced { result = produced } else { result = try await produce(task, gpus: gpus) }
            record.result = result
            record.phase = .finished
            try await services.journal.save(record)
        }
        try Task.checkCancellation()
        await services.hooks.beforeSubmit?(key)
        try Task.checkCancellation()
        try await services.submit(.submitResult(result), record: record)
    }

    /// Runs the program and describes what happened. A failure to prepare the run (an image or input that cannot be
    /// fetched) is reported as a failed result at once, so the task falls back now rather than at the deadline.
    private func produce(_ task: TaskRecord, gpus: [GPUDevice]) async throws -> SubmitResult {
        let workspace = try RunWorkspace.fresh(services.paths.runs, for: key)
        defer { workspace.remove() }
        do {
            let program = try await services.program(task.program)
            let image = program.deploy.prover
            let rootfs = try await services.images.rootfs(image.digest)
            for input in task.inputs {
                try await services.fetcher.fetch(digest: input.digest, size: input.size, url: input.url,
                                                 to: try RunWorkspace.place(input.path, in: workspace.input))
            }
            let facts = RunSettings.facts(task: task, attempt: key.attempt, role: .prover, resources: task.resources,
                                          timeLimitSeconds: task.timeLimitSeconds, worker: services.address)
            let spec = RunSpec(
                rootfs: rootfs, command: image.command,
                environment: RunSettings.environment(image: image.environment, request: task.environment, worker: facts),
                inputDirectory: workspace.input, outputDirectory: workspace.output,
                limits: RunSettings.limits(task.resources, timeLimitSeconds: task.timeLimitSeconds, configuration: services.configuration),
                gpus: gpus, workingDirectory: workspace.bundle)
            await services.hooks.runStarting?(key)
            try Task.checkCancellation()
            logger.info("running", metadata: ["job": "\(key)", "image": "\(image.digest.prefix(12))"])
            let run = try await services.runtime.run(spec)
            logger.info("run finished", metadata: ["job": "\(key)", "exit": "\(run.exitCode)", "timedOut": "\(run.timedOut)", "oom": "\(run.oomKilled)",
                                                   "wall": "\(run.wallMilliseconds)ms", "outputs": "\(run.outputs.count)"])
            return try await report(run, task: task, workspace: workspace)
        } catch {
            if isCancellation(error) { throw CancellationError() }
            let text = "the worker could not run the program: \(WorkerError.describe(error))"
            logger.error("run failed before the program could finish", metadata: ["job": "\(key)", "error": "\(text)"])
            return SubmitResult(task: key.task, attempt: key.attempt, exitCode: ReportedExitCode.workerCouldNotRun, outputs: [],
                                message: String(text.prefix(300)))
        }
    }

    /// Uploads the outputs and logs and builds the result with the measured usage.
    ///
    /// Outputs that break a bound of the run (too many, a path too long, a bad name, a full /output) make the run a
    /// failure of the program: nothing is uploaded but the logs, and the result says why in words. Such a result is a
    /// few hundred bytes, so it always reaches the chain, and the fallback and all-attempts-failed rules apply to it as
    /// to any failed run — the worker is never struck for what the program did.
    private func report(_ run: RunResult, task: TaskRecord, workspace: RunWorkspace) async throws -> SubmitResult {
        // The logs as kept (the first `logBytesLimit` bytes), stored as blobs so requesters can read them.
        let stdout = run.stdout.isEmpty ? nil : try await services.upload(bytes: run.stdout).digest
        let stderr = run.stderr.isEmpty ? nil : try await services.upload(bytes: run.stderr).digest
        let usage = MeasuredUsage(wallMilliseconds: run.wallMilliseconds, cpuMilliseconds: run.cpuMilliseconds, peakMemoryBytes: run.peakMemoryBytes)
        let limits = RunSettings.limits(task.resources, timeLimitSeconds: task.timeLimitSeconds, configuration: services.configuration)
        let described = RunSettings.message(for: run, resources: task.resources, timeLimitSeconds: task.timeLimitSeconds)
        func failed(_ reason: String) -> SubmitResult {
            logger.notice("the program broke a bound on its outputs", metadata: ["job": "\(key)", "reason": "\(reason)"])
            let message = [described, reason].compactMap { $0 }.joined(separator: "; ")
            return SubmitResult(task: key.task, attempt: key.attempt,
                                exitCode: run.exitCode != 0 ? run.exitCode : ReportedExitCode.outputBoundBroken,
                                timedOut: run.timedOut, oomKilled: run.oomKilled, outputs: [], stdoutDigest: stdout, stderrDigest: stderr,
                                usage: usage, message: RunSettings.clipped(message))
        }
        if let violation = run.outputFailure(limits: limits) { return failed(violation.description) }
        var outputs: [OutputRef] = []
        for file in run.outputs {
            // The sandbox checked every name; a place outside the workspace would still be refused here.
            _ = try RunWorkspace.place(file.path, in: workspace.output)
            let receipt = try await services.upload(file: workspace.output.appendingPathComponent(file.path))
            outputs.append(OutputRef(path: file.path, digest: receipt.digest, size: receipt.size))
        }
        let result = SubmitResult(task: key.task, attempt: key.attempt, exitCode: run.exitCode, timedOut: run.timedOut, oomKilled: run.oomKilled,
                                  outputs: outputs, stdoutDigest: stdout, stderrDigest: stderr, usage: usage,
                                  message: described.map(RunSettings.clipped))
        let size = ResultSize.bytes(result)
        guard size <= ResultSize.limit else {
            // Start-up checks make this unreachable with the configured bounds; kept so that no result is ever refused.
            return failed("the list of \(outputs.count) outputs takes \(size) bytes; a result may take at most \(ResultSize.limit)")
        }
        return result
    }
}
