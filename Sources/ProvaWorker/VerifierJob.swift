import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaSandbox

/// One verifier duty: run the program's verifier on the task's inputs (`/input`) and the delivered proof
/// (`/proof`: the attempt's outputs, or the proof files of a verify-only request) and vote by its exit code —
/// 0 valid, 1 invalid, anything else (or a timeout or OOM kill) error.
struct VerifierJob: Sendable {
    let key: JobKey
    let services: WorkerServices
    var logger: Logger { services.logger }

    func run() async {
        await services.runJob(key, failure: "verification failed; it is retried from the journal", proceed)
    }

    private func proceed() async throws {
        let task = try await services.task(key.task)
        guard key.attempt >= 1, key.attempt <= task.attempts.count else {
            await services.journal.remove(key)
            return
        }
        let attempt = task.attempts[key.attempt - 1]
        guard let duty = attempt.verifiers.last(where: { $0.worker == services.address }), duty.state == .pending, attempt.state == .delivered else {
            await services.journal.remove(key)
            return
        }
        let program = try await services.program(task.program)
        let resources = program.deploy.verifierResources
        var record = await services.journal.record(key) ?? JobRecord(key: key, phase: .running, program: task.program, resources: resources)
        try await services.journal.save(record)
        // The ledger reserved this on the chain already; locally it only picks GPUs.
        let gpus = await services.local.reserve(key, resources, force: true) ?? []
        do {
            if record.phase == .submitting, let verdict = record.verdict {
                try await services.submit(.submitVote(SubmitVote(task: key.task, attempt: key.attempt, verdict: verdict)), record: record)
            } else {
                let verdict: Verdict
                if record.phase == .finished, let journaled = record.verdict {
                    verdict = journaled
                } else {
                    verdict = try await judge(task, attempt: attempt, program: program, gpus: gpus)
                    record.verdict = verdict
                    record.phase = .finished
                    try await services.journal.save(record)
                }
                try Task.checkCancellation()
                await services.hooks.beforeSubmit?(key)
                try Task.checkCancellation()
                try await services.submit(.submitVote(SubmitVote(task: key.task, attempt: key.attempt, verdict: verdict)), record: record)
            }
        } catch {
            await services.local.release(key)
            throw error
        }
        await services.local.release(key)
        // Verifiers of a program are often drawn to prove it next: have its prover image ready.
        services.prefetch(program.deploy.prover.digest)
    }

    private func judge(_ task: TaskRecord, attempt: Attempt, program: Program, gpus: [GPUDevice]) async throws -> Verdict {
        let workspace = try RunWorkspace.fresh(services.paths.runs, for: key)
        defer { workspace.remove() }
        let proof: [InputRef] = task.kind == .verification
            ? task.proof
            : (attempt.result?.outputs ?? []).map { InputRef(path: $0.path, digest: $0.digest, size: $0.size) }
        do {
            let image = program.deploy.verifier
            let rootfs = try await services.images.rootfs(image.digest)
            for input in task.inputs {
                try await services.fetcher.fetch(digest: input.digest, size: input.size, url: input.url,
                                                 to: try RunWorkspace.place(input.path, in: workspace.input))
            }
            for file in proof {
                do {
                    try await services.fetcher.fetch(digest: file.digest, size: file.size, url: file.url,
                                                     to: try RunWorkspace.place(file.path, in: workspace.proof))
                } catch let error as WorkerError where error.code == .blobMissing && task.kind != .verification {
                    // A delivered proof must be downloadable: the prover uploads before it submits.
                    logger.notice("proof file is on no node; voting invalid", metadata: ["job": "\(key)", "file": "\(file.path)"])
                    return .invalid
                }
            }
            let resources = program.deploy.verifierResources
            let timeLimit = program.deploy.verifierTimeLimitSeconds
            let facts = RunSettings.facts(task: task, attempt: key.attempt, role: .verifier, resources: resources,
                                          timeLimitSeconds: timeLimit, worker: services.address)
            let spec = RunSpec(
                rootfs: rootfs, command: image.command,
                environment: RunSettings.environment(image: image.environment, request: task.environment, worker: facts),
                inputDirectory: workspace.input, outputDirectory: workspace.output, proofDirectory: workspace.proof,
                limits: RunSettings.limits(resources, timeLimitSeconds: timeLimit, configuration: services.configuration),
                gpus: gpus, workingDirectory: workspace.bundle)
            await services.hooks.runStarting?(key)
            try Task.checkCancellation()
            let run = try await services.runtime.run(spec)
            let verdict: Verdict = run.timedOut || run.oomKilled ? .error : Verdict(exitCode: run.exitCode)
            logger.info("verified", metadata: ["job": "\(key)", "verdict": "\(verdict.rawValue)", "exit": "\(run.exitCode)",
                                               "wall": "\(run.wallMilliseconds)ms"])
            return verdict
        } catch {
            if isCancellation(error) { throw CancellationError() }
            // The worker could not check the proof (an image or input it cannot fetch): say so rather than guess.
            logger.error("could not run the verifier; voting error", metadata: ["job": "\(key)", "error": "\(WorkerError.describe(error))"])
            return .error
        }
    }
}
