import Crypto
public import Foundation
public import ProvaCore

/// Content-addressed files on disk: `blobs/ab/abcdef…` named by the SHA-256 of their bytes.
/// Uploads stream into a temporary file while hashing; only a file whose digest matches is published (by rename).
public struct BlobStore: Sendable {
    public let directory: URL
    public let maxBlobBytes: ByteCount

    public init(directory: URL, maxBlobBytes: ByteCount = 4 * Units.gib) throws {
        self.directory = directory
        self.maxBlobBytes = maxBlobBytes
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("incoming"), withIntermediateDirectories: true)
        } catch {
            throw StoreError(.blobStoreFailed, "cannot create the blob directory \(directory.path)", cause: "\(error)")
        }
    }

    public func url(for digest: String) -> URL {
        directory.appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }

    /// The blob's size, or nil when it is not stored.
    public func size(of digest: String) -> ByteCount? {
        guard SHA256Hex.isDigest(digest),
              let attributes = try? FileManager.default.attributesOfItem(atPath: url(for: digest).path),
              let size = attributes[.size] as? NSNumber else { return nil }
        return size.int64Value
    }

    /// Starts an upload of a blob that must hash to `digest`.
    public func beginUpload(digest: String) throws -> BlobUpload {
        guard SHA256Hex.isDigest(digest) else {
            throw StoreError(.badDigest, "'\(digest.prefix(80))' is not a SHA-256 digest (64 lowercase hex characters)")
        }
        let temporary = directory.appendingPathComponent("incoming").appendingPathComponent("\(digest).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let handle = try? FileHandle(forWritingTo: temporary) else {
            throw StoreError(.blobStoreFailed, "cannot create a temporary file under \(directory.path); check disk space and permissions")
        }
        return BlobUpload(store: self, digest: digest, temporary: temporary, handle: handle)
    }

    /// Bytes free on the file system holding the blobs (and, in a node's data directory, its chain database).
    public func freeBytes() -> ByteCount? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory.path),
              let free = attributes[.systemFreeSize] as? NSNumber else { return nil }
        return free.int64Value
    }

    /// Every stored blob with the time it was last written, and uploads left unfinished (`incoming`), for the
    /// garbage collector.
    public func inventory() -> (blobs: [(digest: String, modified: Date)], unfinished: [(url: URL, modified: Date)]) {
        let manager = FileManager.default
        var blobs: [(digest: String, modified: Date)] = []
        for shard in (try? manager.contentsOfDirectory(atPath: directory.path)) ?? [] where shard.count == 2 {
            for name in (try? manager.contentsOfDirectory(atPath: directory.appendingPathComponent(shard).path)) ?? [] where SHA256Hex.isDigest(name) {
                let attributes = try? manager.attributesOfItem(atPath: url(for: name).path)
                // A blob whose time cannot be read is kept: it counts as written just now.
                blobs.append((name, (attributes?[.modificationDate] as? Date) ?? .distantFuture))
            }
        }
        let incoming = directory.appendingPathComponent("incoming")
        let unfinished = ((try? manager.contentsOfDirectory(atPath: incoming.path)) ?? []).map { name -> (url: URL, modified: Date) in
            let url = incoming.appendingPathComponent(name)
            let attributes = try? manager.attributesOfItem(atPath: url.path)
            return (url, (attributes?[.modificationDate] as? Date) ?? .distantFuture)
        }
        return (blobs, unfinished)
    }

    /// Removes a stored blob (the garbage collector's, for one nothing references).
    public func remove(_ digest: String) {
        try? FileManager.default.removeItem(at: url(for: digest))
    }

    /// Stores bytes held in memory (small blobs, tests).
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> BlobReceipt {
        let upload = try beginUpload(digest: SHA256Hex.of(bytes))
        try upload.write(bytes)
        return try upload.finish()
    }
}

/// One upload in progress. Not shared between tasks: the HTTP handler that created it feeds it and finishes it.
public final class BlobUpload {
    let store: BlobStore
    public let digest: String
    let temporary: URL
    let handle: FileHandle
    var hasher = SHA256()
    public private(set) var size: ByteCount = 0

    init(store: BlobStore, digest: String, temporary: URL, handle: FileHandle) {
        self.store = store
        self.digest = digest
        self.temporary = temporary
        self.handle = handle
    }

    public func write<Bytes: DataProtocol>(_ bytes: Bytes) throws {
        size += ByteCount(bytes.count)
        guard size <= store.maxBlobBytes else {
            abort()
            throw StoreError(.tooLarge, "the blob is larger than the limit of \(Units.formatBytes(store.maxBlobBytes))")
        }
        hasher.update(data: bytes)
        do { try handle.write(contentsOf: bytes) } catch {
            abort()
            throw StoreError(.blobStoreFailed, "writing the blob failed; check free disk space", cause: "\(error)")
        }
    }

    /// Checks the digest and publishes the blob; on mismatch nothing is kept.
    public func finish() throws -> BlobReceipt {
        try? handle.close()
        let actual = Hex.encode(hasher.finalize())
        guard actual == digest else {
            try? FileManager.default.removeItem(at: temporary)
            throw StoreError(.digestMismatch, "the uploaded bytes hash to \(actual), not \(digest); upload the file whose SHA-256 is in the URL")
        }
        let destination = store.url(for: digest)
        let manager = FileManager.default
        if manager.fileExists(atPath: destination.path) {
            try? manager.removeItem(at: temporary)
            return BlobReceipt(digest: digest, size: size, created: false)
        }
        do {
            try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try manager.moveItem(at: temporary, to: destination)
        } catch {
            try? manager.removeItem(at: temporary)
            if manager.fileExists(atPath: destination.path) { return BlobReceipt(digest: digest, size: size, created: false) }
            throw StoreError(.blobStoreFailed, "publishing the blob failed", cause: "\(error)")
        }
        return BlobReceipt(digest: digest, size: size, created: true)
    }

    public func abort() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }
}
