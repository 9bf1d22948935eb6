import Foundation
import Synchronization
import HTTPTypes
import Logging
public import ProvaCore
import ProvaLedger
import ProvaStore

/// Who may put blobs on this node, and how much (docs/API.md "Blobs"). A blob a committed or waiting transaction names
/// is taken from anyone — it is what workers and verifiers will fetch. Any other upload must be signed by an account
/// that holds credits or a registered worker, and counts against that account's quota; and none is taken when the
/// disk is below the node's free-space floor. Unreferenced blobs are collected after a grace period.
extension ValidatorNode {
    /// What an admitted upload may write: at most `remainingBytes`, charged to `account` (nil: a referenced blob).
    public struct UploadGrant: Sendable {
        public let account: Address?
        public let remainingBytes: ByteCount
    }

    /// Decides whether the upload of `digest` (of `declaredBytes`, when the request says) is taken, or throws why not.
    public func admitUpload(digest: String, declaredBytes: ByteCount?, authorization: String?) throws -> UploadGrant {
        try checkFreeDisk(for: declaredBytes ?? 0)
        if mempool.references(blob: digest) || (try? store.isBlobReferenced(digest)) == true {
            return UploadGrant(account: nil, remainingBytes: blobs.maxBlobBytes)
        }
        guard let header = authorization, let signed = BlobUploadAuthorization(headerValue: header) else {
            throw NodeError(.unauthorized, .uploadUnauthorized,
                            "no transaction names blob \(digest); upload it with an `Authorization: \(BlobUploadAuthorization.scheme) <public key> <expiry ms> <signature>` header signed by an account with credits (the SDK and `prova` sign for you), or submit the transaction that names it first")
        }
        let now = clock.nowMilliseconds()
        guard signed.expiresAtMilliseconds >= now, signed.expiresAtMilliseconds <= now + 3_600_000 else {
            throw NodeError(.unauthorized, .uploadUnauthorized, "the upload authorization expires at \(signed.expiresAtMilliseconds); sign one that expires within the next hour")
        }
        guard let account = signed.signer(of: digest, genesisHash: chain.genesisHash) else {
            throw NodeError(.unauthorized, .uploadUnauthorized, "the upload authorization is not a signature of this blob for this chain; sign \(BlobUploadAuthorization.domainTag), the genesis hash, the digest and the expiry")
        }
        let state = ledger.state
        let worker = state.workers[account]
        guard state.balance(of: account) > 0 || (worker != nil && worker?.status != .exited) else {
            throw NodeError(.forbidden, .uploadForbidden, "\(account) holds no credits and is no registered worker; get credits, or have the requester upload its inputs")
        }
        let used = uploadUsage(of: account, at: now)
        let remaining = configuration.uploadQuotaBytes - used.bytes
        guard remaining > 0, (declaredBytes ?? 0) <= remaining else {
            let retry = max(1, (used.windowStart + configuration.uploadQuotaWindowMilliseconds - now) / 1_000)
            throw NodeError(.tooManyRequests, .uploadQuotaExceeded,
                            "\(account) has uploaded \(Units.formatBytes(used.bytes)) of its \(Units.formatBytes(configuration.uploadQuotaBytes)) per hour; retry later or submit the transaction that names the blob first",
                            headers: [.retryAfter: String(retry)])
        }
        return UploadGrant(account: account, remainingBytes: min(remaining, blobs.maxBlobBytes))
    }

    /// Counts a finished upload against its account's quota.
    public func recordUpload(_ grant: UploadGrant, bytes: ByteCount) {
        guard let account = grant.account else { return }
        let now = clock.nowMilliseconds()
        var used = uploadUsage(of: account, at: now)
        used.bytes += bytes
        uploads[account] = used
        // Forget accounts whose window has passed, so the table stays as small as the set of recent uploaders.
        if uploads.count > 10_000 { uploads = uploads.filter { now - $0.value.windowStart < configuration.uploadQuotaWindowMilliseconds } }
    }

    private func uploadUsage(of account: Address, at now: Milliseconds) -> UploadUsage {
        guard let used = uploads[account], now - used.windowStart < configuration.uploadQuotaWindowMilliseconds else {
            return UploadUsage(windowStart: now, bytes: 0)
        }
        return used
    }

    /// Throws `insufficient_storage` when writing `bytes` more would take the disk below the node's free-space floor.
    /// Far above the floor the free space is read at most every 250 ms (it is asked for every transaction admitted);
    /// within a gibibyte of it, every time.
    public nonisolated func checkFreeDisk(for bytes: ByteCount) throws {
        let floor = configuration.freeDiskFloorBytes
        guard let free = diskSpace.freeBytes(now: clock.monotonicMilliseconds(), trustAbove: floor + Units.gib + bytes, read: { blobs.freeBytes() })
        else { return }
        guard free - bytes >= configuration.freeDiskFloorBytes else {
            throw NodeError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), .insufficientStorage,
                            "the node has \(Units.formatBytes(free)) of disk free and keeps \(Units.formatBytes(configuration.freeDiskFloorBytes)) for its chain; the operator must free space")
        }
    }

    /// Removes blobs nothing references (no committed transaction, the genesis, or a waiting one) that are older than
    /// the grace period, and uploads left unfinished that long. Returns how many blobs were removed.
    @discardableResult
    public func collectUnreferencedBlobs() throws -> Int {
        let cutoff = Date(timeIntervalSince1970: Double(clock.nowMilliseconds() - configuration.blobGraceMilliseconds) / 1_000)
        var referenced: Set<String>
        do { referenced = try store.referencedBlobs() } catch let error as StoreError { throw NodeError(error) }
        referenced.formUnion(mempool.referencedBlobs)
        let inventory = blobs.inventory()
        var removed = 0
        for blob in inventory.blobs where blob.modified < cutoff && !referenced.contains(blob.digest) {
            blobs.remove(blob.digest)
            removed += 1
        }
        for upload in inventory.unfinished where upload.modified < cutoff { try? FileManager.default.removeItem(at: upload.url) }
        if removed > 0 { logger.info("collected unreferenced blobs", metadata: ["removed": "\(removed)"]) }
        return removed
    }
}

/// Bytes an account uploaded in its current quota window.
struct UploadUsage: Sendable {
    var windowStart: Milliseconds
    var bytes: ByteCount
}

/// The free space of the node's disk, read again when the last reading is older than 250 ms or close to the floor.
final class DiskSpaceReading: Sendable {
    private let last = Mutex<(at: Milliseconds, free: ByteCount?)?>(nil)

    /// The last reading if it is recent and above `trustAbove`, else a new one.
    func freeBytes(now: Milliseconds, trustAbove: ByteCount, read: () -> ByteCount?) -> ByteCount? {
        if let cached = last.withLock({ $0 }), now - cached.at < 250, let free = cached.free, free > trustAbove { return free }
        let free = read()
        last.withLock { $0 = (now, free) }
        return free
    }
}
