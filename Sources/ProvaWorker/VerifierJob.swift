import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaSandbox

/// One verifier duty: run the program's verifier on the task's inputs (`/input`) and the delivered proof
/// (`/proof`: the attempt's outputs, or the proof files of a verify-only request), commit to the vote its exit code
/// gives — 0 valid, 1 invalid, anything else (or a timeout or OOM kill) error — and reveal it once the ledger opens
/// reveals. The ballot (vote, salt, transcript) is journaled before the commitment is signed, so a restart reveals
/// exactly what was committed.
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
        guard let duty = attempt.verifiers.last(where: { $0.worker == services.address }), attempt.state == .delivered,
              duty.state == .pending || duty.state == .committed else {
            await services.journal.remove(key)
            return
        }
        let program = try await services.program(task.program)
        var record = await services.journal.record(key) ?? JobRecord(key: key, phase: .running, program: task.program,
                                                                     resources: program.deploy.verifierResources)
        if duty.state == .pending {
            guard let committed = try await commit(task, attempt: attempt, program: program, record: record) else { return }
            record = committed
        } else if record.submission?.body.kind == .CommitVote {
            // The commitment reached the chain before the journal said so: what is left is the reveal.
            record.submission = nil
        }
        guard let ballot = record.ballot else {
            logger.error("committed, but the journal holds no ballot to reveal; the duty will be missed", metadata: ["job": "\(key)"])
            await services.journal.remove(key)
            return
        }
        let opened = try await services.client.waitForTask(key.task, until: { record in
            guard key.attempt <= record.attempts.count else { return true }
            let current = record.attempts[key.attempt - 1]
            return current.state != .delivered || current.revealDeadlineMilliseconds != nil
        }, timeout: .seconds(Int64(Limits.maxTimeLimitSeconds)), pollInterval: .seconds(2))
        guard key.attempt <= opened.attempts.count, opened.attempts[key.attempt - 1].state == .delivered else {
            await services.journal.remove(key)
            return
        }
        try Task.checkCancellation()
        try await services.submit(.revealVote(ballot.reveal), record: record)
        logger.info("revealed", metadata: ["job": "\(key)", "verdict": "\(ballot.verdict.rawValue)"])
    }

    /// Runs the verifier (or takes the journaled ballot) and sends the commitment; returns the record to reveal from,
    /// or nil when the chain refused the commitment (the duty is over).
    private func commit(_ task: TaskRecord, attempt: Attempt, program: Program, record: JobRecord) async throws -> JobRecord? {
        var record = record
        let resources = program.deploy.verifierResources
        try await services.journal.save(record)
        // The ledger reserved this on the chain already; locally it only picks GPUs.
        let gpus = await services.local.reserve(key, resources, force: true) ?? []
        do {
            if record.ballot == nil {
                let ballot = try await judge(task, attempt: attempt, program: program, gpus: gpus)
                record.ballot = ballot
                record.verdict = ballot.verdict
                record.phase = .finished
                try await services.journal.save(record)
            }
            guard let ballot = record.ballot else { return nil }
            await services.local.release(key)
            try Task.checkCancellation()
            await services.hooks.beforeSubmit?(key)
            try Task.checkCancellation()
            let commitment = try ballot.commit(by: services.address)
            guard try await services.submit(.commitVote(commitment), record: record, keepingJournal: true) else { return nil }
        } catch {
            await services.local.release(key)
            throw error
        }
        record.phase = .committed
        record.submission = nil
        try await services.journal.save(record)
        // Verifiers of a program are often drawn to prove it next: have its prover image ready.
        services.prefetch(program.deploy.prover.digest)
        return record
    }

    /// The ballot of this duty: the verifier's vote and the transcript of its run, over exactly the files the ledger
    /// expects it to check.
    private func judge(_ task: TaskRecord, attempt: Attempt, program: Program, gpus: [GPUDevice]) async throws -> Ballot {
        let proof = task.proofToCheck(attempt: key.attempt)
        let checked = task.checkedDigest(attempt: key.attempt)
        func ballot(_ transcript: VoteTranscript) -> Ballot {
            Ballot(task: key.task, attempt: key.attempt, verdict: transcript.verdict, transcript: transcript)
        }
        let workspace = try RunWorkspace.fresh(services.paths.runs, for: key)
        defer { workspace.remove() }
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
                    return ballot(VoteTranscript(exitCode: 1, checked: checked))
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
            let transcript = VoteTranscript(exitCode: run.exitCode, timedOut: run.timedOut, oomKilled: run.oomKilled,
                                            stdoutDigest: await uploadedLog(run.stdout, name: "stdout"),
                                            stderrDigest: await uploadedLog(run.stderr, name: "stderr"), checked: checked)
            logger.info("verified", metadata: ["job": "\(key)", "verdict": "\(transcript.verdict.rawValue)", "exit": "\(run.exitCode)",
                                               "wall": "\(run.wallMilliseconds)ms"])
            return ballot(transcript)
        } catch {
            if isCancellation(error) { throw CancellationError() }
            // The worker could not check the proof (an image or input it cannot fetch): say so rather than guess.
            logger.error("could not run the verifier; voting error", metadata: ["job": "\(key)", "error": "\(WorkerError.describe(error))"])
            return ballot(VoteTranscript(exitCode: 2, checked: checked))
        }
    }

    /// The digest of a log of the verifier's run, uploaded so the transcript can be checked; nil for an empty log, or
    /// when the upload fails (the vote does not wait on it, and the warning says so).
    private func uploadedLog(_ bytes: Data, name: String) async -> String? {
        guard !bytes.isEmpty else { return nil }
        do {
            return try await services.upload(bytes: bytes).digest
        } catch {
            logger.warning("could not upload the verifier's \(name); the transcript carries no digest of it",
                           metadata: ["job": "\(key)", "error": "\(WorkerError.describe(error))"])
            return nil
        }
    }
}
