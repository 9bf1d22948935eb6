import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import ProvaClient
import ProvaCore
import NIOCore
import NIOHTTP1

/// Fetches content-addressed files (images, inputs, proofs) into a local cache and links them where runs need them.
///
/// A digest is looked for in the main node's blob store, then in each mirror, then at the input's `url`, each
/// source tried `attempts` times with backoff. Every byte is hashed on the way and a file whose digest or size
/// differs is thrown away, so a faulty source can cost time but never corrupt a run. Sizes are bounded before
/// anything is written: by what the chain says the file is, and by the worker's `maxDownloadBytes`.
actor BlobFetcher {
    let sources: [ProvaClient]
    let directory: URL
    let budgetBytes: ByteCount
    let maxBytes: ByteCount
    let attempts: Int
    let logger: Logger
    private let downloads = SharedLoads<URL>()

    init(sources: [ProvaClient], directory: URL, budgetBytes: ByteCount, maxBytes: ByteCount, attempts: Int, logger: Logger) {
        self.sources = sources; self.directory = directory; self.budgetBytes = budgetBytes; self.maxBytes = maxBytes
        self.attempts = attempts; self.logger = logger
    }

    /// Puts the file `digest` at `destination` (a hard link into the cache when possible).
    /// - Parameters:
    ///   - size: the size the chain records for it, when it records one; a different size is refused.
    ///   - url: where to fetch it when no node's blob store has it.
    func fetch(digest: String, size: ByteCount?, url: String?, to destination: URL) async throws {
        let cached = try await cachedFile(digest: digest, size: size, url: url)
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            if link(cached.path, destination.path) != 0 {
                try FileManager.default.copyItem(at: cached, to: destination)
            }
        } catch {
            throw WorkerError(.fileUnwritable, "cannot place \(digest.prefix(12)) at \(destination.path); check free disk space", cause: "\(error)")
        }
    }

    /// The cached copy of `digest`, downloading it once even when several runs ask at the same time.
    func cachedFile(digest: String, size: ByteCount?, url: String?) async throws -> URL {
        guard SHA256Hex.isDigest(digest) else {
            throw WorkerError(.badDigest, "'\(digest)' is not a SHA-256 digest (64 lowercase hex characters)")
        }
        if let size, size > maxBytes {
            throw WorkerError(.tooLarge, "\(digest.prefix(12)) is \(Units.formatBytes(size)); this worker downloads at most \(Units.formatBytes(maxBytes)) per file (--max-download)")
        }
        let file = directory.appendingPathComponent(digest)
        if FileManager.default.fileExists(atPath: file.path) {
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
            return file
        }
        return try await downloads.value(for: digest) {
            let downloaded = try await self.download(digest: digest, size: size, url: url, to: file)
            await self.evict(keeping: digest)
            return downloaded
        }
    }

    /// Drops a cached download (an image archive once imported).
    func discard(_ digest: String) async {
        guard SHA256Hex.isDigest(digest), !(await downloads.isRunning(digest)) else { return }
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(digest))
    }

    /// Whether some node's blob store has `digest` (a cheap HEAD per node; used before accepting work).
    func availableOnSomeNode(_ digest: String) async -> Bool {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(digest).path) { return true }
        for source in sources {
            if let size = try? await source.blobExists(digest: digest), size >= 0 { return true }
        }
        return false
    }

    private func download(digest: String, size: ByteCount?, url: String?, to file: URL) async throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var failures: [String] = []
        var missingEverywhere = true
        for source in sources {
            for attempt in 1...attempts {
                try Task.checkCancellation()
                do {
                    guard let stored = try await source.blobExists(digest: digest) else {
                        failures.append("\(source.node): not stored")
                        break
                    }
                    missingEverywhere = false
                    if let size, stored != size {
                        throw WorkerError(.sizeMismatch, "\(source.node) stores \(digest.prefix(12)) with \(stored) bytes but the chain records \(size)")
                    }
                    guard stored <= maxBytes else {
                        throw WorkerError(.tooLarge, "\(digest.prefix(12)) is \(Units.formatBytes(stored)), more than the \(Units.formatBytes(maxBytes)) this worker downloads per file")
                    }
                    try await source.getBlob(digest: digest, to: file)
                    return file
                } catch {
                    if isCancellation(error) { throw CancellationError() }
                    missingEverywhere = false
                    failures.append("\(source.node) (try \(attempt)): \(WorkerError.describe(error))")
                    if let error = error as? WorkerError, error.code == .tooLarge || error.code == .sizeMismatch { break }
                    try await Task.sleep(for: .milliseconds(250 * (1 << min(attempt, 4))))
                }
            }
        }
        if let url {
            for attempt in 1...attempts {
                try Task.checkCancellation()
                do {
                    try await fetchURL(url, digest: digest, size: size, to: file)
                    return file
                } catch {
                    if isCancellation(error) { throw CancellationError() }
                    missingEverywhere = false
                    failures.append("\(url) (try \(attempt)): \(WorkerError.describe(error))")
                    try await Task.sleep(for: .milliseconds(250 * (1 << min(attempt, 4))))
                }
            }
        }
        throw WorkerError(missingEverywhere ? .blobMissing : .downloadFailed,
                          missingEverywhere
                            ? "no node stores \(digest) and it has no URL; upload it with `prova blob put` (or `prova image push`) to the node"
                            : "could not download \(digest): \(failures.suffix(4).joined(separator: "; "))")
    }

    /// Streams `url` to `file`, hashing on the way; stops as soon as more bytes than expected arrive.
    private func fetchURL(_ url: String, digest: String, size: ByteCount?, to file: URL) async throws {
        guard let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw WorkerError(.badUrl, "input URL '\(url)' is not http(s)")
        }
        let limit = min(size ?? maxBytes, maxBytes)
        guard let client = sources.first?.httpClient else { throw WorkerError(.noNode, "no node configured") }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await client.execute(request, timeout: .seconds(3600))
        guard (200..<300).contains(response.status.code) else {
            throw WorkerError(.downloadFailed, "\(url) answered HTTP \(response.status.code)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap({ ByteCount($0) }), length > limit {
            throw WorkerError(.tooLarge, "\(url) is \(length) bytes; at most \(limit) are expected")
        }
        let partial = file.appendingPathExtension("part")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw WorkerError(.fileUnwritable, "cannot write \(partial.path); check free disk space")
        }
        var hasher = SHA256()
        var written: ByteCount = 0
        do {
            for try await buffer in response.body {
                written += ByteCount(buffer.readableBytes)
                guard written <= limit else {
                    throw WorkerError(.tooLarge, "\(url) sent more than the \(limit) bytes expected; stopped")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher.update(bufferPointer: bytes)
                    try handle.write(contentsOf: bytes)
                }
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        let actual = Hex.encode(hasher.finalize())
        guard actual == digest, size == nil || written == size else {
            try? FileManager.default.removeItem(at: partial)
            throw WorkerError(.digestMismatch, "\(url) served bytes with SHA-256 \(actual) (\(written) bytes), not \(digest); nothing was kept")
        }
        try FileManager.default.moveItem(at: partial, to: file)
    }

    /// Removes the least recently used downloads beyond the budget (runs keep their hard links).
    private func evict(keeping digest: String) {
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey]
        guard let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: keys) else { return }
        var entries = files.compactMap { url -> (URL, Int64, Date)? in
            guard let values = try? url.resourceValues(forKeys: Set(keys)), let size = values.fileSize else { return nil }
            return (url, Int64(size), values.contentModificationDate ?? .distantPast)
        }
        var total = entries.reduce(0) { $0 + $1.1 }
        guard total > budgetBytes else { return }
        entries.sort { $0.2 < $1.2 }
        for (url, size, _) in entries where total > budgetBytes && url.lastPathComponent != digest {
            try? FileManager.default.removeItem(at: url)
            total -= size
        }
    }

    /// Bytes held by the download cache.
    nonisolated static func cacheBytes(_ directory: URL) -> ByteCount {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.fileSizeKey])) ?? []
        return files.reduce(0) { $0 + ByteCount((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
    }
}
