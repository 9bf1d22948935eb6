import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaSandbox

/// Everything a job needs, shared by all jobs of one daemon. Every piece is Sendable (actors or values).
struct WorkerServices: Sendable {
    let address: Address
    let client: ProvaClient
    let sender: TransactionSender
    let journal: Journal
    let fetcher: BlobFetcher
    let images: ImageCache
    let runtime: any Runtime
    let configuration: WorkerConfiguration
    let paths: WorkerPaths
    let logger: Logger
    let hooks: WorkerHooks
    let programs: ProgramCache
    let local: LocalCapacity
    /// True once the daemon is draining (SIGTERM): new assignments are declined.
    let isDraining: @Sendable () async -> Bool
    /// Feeds the daemon's prefetcher, which imports images in tasks of its own under the daemon's `run()`.
    let prefetches: AsyncStream<String>.Continuation

    /// Asks for image `digest` to be imported in the background, without waiting for it.
    func prefetch(_ digest: String) {
        prefetches.yield(digest)
    }

    /// Runs one job's steps; a failure is logged and left in the journal for the next reconciliation, a stop is quiet.
    func runJob(_ key: JobKey, failure: String, _ steps: () async throws -> Void) async {
        do {
            try await steps()
        } catch {
            if isCancellation(error) {
                logger.debug("job stopped", metadata: ["job": "\(key)"])
                return
            }
            logger.error("\(failure)", metadata: ["job": "\(key)", "error": "\(WorkerError.describe(error))"])
        }
    }

    func task(_ id: TaskID) async throws -> TaskRecord {
        try await sender.retrying("read task \(id.prefix(12))") { try await client.task(id) }
    }

    func program(_ id: ProgramID) async throws -> Program {
        try await programs.program(id) { try await sender.retrying("read program \(id.prefix(12))") { try await client.program(id) } }
    }

    /// Uploads a file to the main node's blob store, retrying transport failures.
    func upload(file: URL) async throws -> BlobReceipt {
        try await sender.retrying("upload \(file.lastPathComponent)") { try await client.putBlob(file: file, signedBy: sender.key, chain: sender.chain) }
    }

    func upload(bytes: Data) async throws -> BlobReceipt {
        try await sender.retrying("upload a log") { try await client.putBlob(bytes: Array(bytes), signedBy: sender.key, chain: sender.chain) }
    }

    /// Sends a submission the journal holds (`record.submission`), or signs `body` afresh when that one can no
    /// longer be used. Returns normally when the chain has it or has moved on; the journal entry is removed then,
    /// unless `keepingJournal` (a verifier's commitment: its ballot is needed for the reveal). Returns whether the chain
    /// took it.
    @discardableResult
    func submit(_ body: TransactionBody, record: JobRecord, keepingJournal: Bool = false) async throws -> Bool {
        let key = record.key
        func done() async { if !keepingJournal { await journal.remove(key) } }
        if let signed = record.submission {
            do {
                try await sender.resend(signed)
                logger.info("submitted", metadata: ["job": "\(key)", "kind": "\(body.kind.rawValue)", "resent": "true"])
                await done()
                return true
            } catch let error as ClientError where error.code.isNonceMismatch {
                // That signature never made it into a block and its nonce went to another transaction: sign again.
                logger.info("journaled submission is stale; signing again", metadata: ["job": "\(key)"])
            } catch let error as ClientError where error.isClientMistake {
                logger.warning("the chain refused the journaled submission", metadata: ["job": "\(key)", "error": "\(error)"])
                await journal.remove(key)
                return false
            }
        }
        do {
            try await sender.send(body) { signed in
                var submitting = record
                submitting.phase = .submitting
                submitting.submission = signed
                try await journal.save(submitting)
            }
            logger.info("submitted", metadata: ["job": "\(key)", "kind": "\(body.kind.rawValue)"])
        } catch let error as ClientError where error.isClientMistake {
            // The ledger refused it (deadline passed, attempt no longer running…): nothing more to do for this job.
            logger.warning("the chain refused the submission", metadata: ["job": "\(key)", "error": "\(error)"])
            await journal.remove(key)
            return false
        }
        await done()
        return true
    }
}
