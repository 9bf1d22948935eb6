public import Foundation
import ProvaCore

/// A cache of imported images: one read-only root filesystem per archive digest, evicted
/// least-recently-used first when the cache outgrows its disk budget.
///
/// Layout under `root`: `images/<sha256>/rootfs`, `images/<sha256>/record.json`, `staging/`.
/// Eviction only happens during an import and never removes the image being returned; callers
/// that keep long-running containers should size the budget so that images in use stay cached.
public actor ImageStore {
    public let root: URL
    public let diskBudgetBytes: Int64

    private struct Record: Codable, Sendable {
        var digest: String
        var sizeBytes: Int64
        /// Seconds since 1970; only compared with each other.
        var lastUsed: Double
    }

    private var records: [String: Record]?
    private var imports: [String: Task<Record, any Error>] = [:]

    public init(root: URL, diskBudgetBytes: Int64) {
        self.root = root
        self.diskBudgetBytes = diskBudgetBytes
    }

    /// The root filesystem of the image in `archive`, importing it on first use.
    ///
    /// - Parameter expectedDigest: SHA-256 of the archive file (`sha256:<hex>` or `<hex>`); a
    ///   mismatch throws `digest_mismatch` and imports nothing.
    public func rootfs(forArchive archive: URL, expectedDigest: String) async throws -> URL {
        guard let digest = SHA256Hex.normalize(expectedDigest) else {
            throw SandboxError(
                code: .invalidDigest,
                message: "\"\(expectedDigest)\" is not a SHA-256 digest; pass 64 hex digits, optionally prefixed by sha256:")
        }
        var known = try loadRecords()
        if var record = known[digest] {
            record.lastUsed = Date().timeIntervalSince1970
            known[digest] = record
            records = known
            try? save(record)
            return rootfsURL(digest)
        }
        let task: Task<Record, any Error>
        if let running = imports[digest] {
            task = running
        } else {
            let staging = root.appendingPathComponent("staging").appendingPathComponent(UUID().uuidString.lowercased())
            let destination = imageDirectory(digest)
            let budget = diskBudgetBytes
            task = Task.detached {
                try await Self.importImage(archive: archive, digest: digest, staging: staging, destination: destination, budgetBytes: budget)
            }
            imports[digest] = task
        }
        let record: Record
        do {
            record = try await task.value
            imports[digest] = nil
        } catch {
            imports[digest] = nil
            throw error
        }
        var updated = try loadRecords()
        updated[digest] = record
        records = updated
        evict(keeping: digest)
        return rootfsURL(digest)
    }

    /// Digests of the images now cached, sorted.
    public func importedDigests() -> [String] {
        ((try? loadRecords()) ?? [:]).keys.sorted()
    }

    // MARK: import

    /// Unpacks within `budgetBytes`: an image larger than the whole cache could never stay in it, and one whose layers
    /// expand without end is stopped there (`image_too_large`) with its staging directory removed.
    private static func importImage(archive: URL, digest: String, staging: URL, destination: URL, budgetBytes: Int64) async throws -> Record {
        let actual = try FileDigest.sha256Hex(ofFile: archive)
        guard actual == digest else {
            throw SandboxError.digestMismatch(what: "image archive \(archive.lastPathComponent)", expected: digest, actual: actual)
        }
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let rootfs = try await ImageImporter.importArchive(archive, staging: staging, budgetBytes: budgetBytes)
        let record = Record(digest: digest, sizeBytes: DiskUsage.bytes(of: rootfs.path), lastUsed: Date().timeIntervalSince1970)
        let image = staging.appendingPathComponent("image")
        try FileManager.default.createDirectory(at: image, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: rootfs, to: image.appendingPathComponent("rootfs"))
        try JSONEncoder().encode(record).write(to: image.appendingPathComponent("record.json"))
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: destination)
        // One rename publishes the image: a crash leaves either nothing or a complete image.
        try FileManager.default.moveItem(at: image, to: destination)
        return record
    }

    // MARK: records and eviction

    private func imageDirectory(_ digest: String) -> URL {
        root.appendingPathComponent("images").appendingPathComponent(digest)
    }

    private func rootfsURL(_ digest: String) -> URL {
        imageDirectory(digest).appendingPathComponent("rootfs")
    }

    /// Loads records on first use and removes what an interrupted import left behind.
    private func loadRecords() throws -> [String: Record] {
        if let records { return records }
        let images = root.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: root.appendingPathComponent("staging"))
        var loaded: [String: Record] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: images.path) {
            let directory = images.appendingPathComponent(name)
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent("record.json").path),
                let record = try? JSONDecoder().decode(Record.self, from: data), record.digest == name
            {
                loaded[name] = record
            } else {
                try? FileManager.default.removeItem(at: directory)
            }
        }
        records = loaded
        return loaded
    }

    private func save(_ record: Record) throws {
        try JSONEncoder().encode(record).write(to: imageDirectory(record.digest).appendingPathComponent("record.json"))
    }

    private func evict(keeping digest: String) {
        guard var current = records else { return }
        var total = current.values.reduce(0) { $0 + $1.sizeBytes }
        let candidates = current.values.filter { $0.digest != digest }.sorted { $0.lastUsed < $1.lastUsed }
        for candidate in candidates where total > diskBudgetBytes {
            try? FileManager.default.removeItem(at: imageDirectory(candidate.digest))
            current[candidate.digest] = nil
            total -= candidate.sizeBytes
        }
        records = current
    }
}

/// Bytes a directory tree occupies on disk; hard links are counted once.
enum DiskUsage {
    static func bytes(of path: String) -> Int64 {
        var seen = Set<UInt64>()
        var total: Int64 = 0
        var stack = [path]
        while let current = stack.popLast() {
            var info = stat()
            guard lstat(current, &info) == 0, seen.insert(UInt64(info.st_ino)).inserted else { continue }
            total += Int64(info.st_blocks) * 512
            if (info.st_mode & S_IFMT) == S_IFDIR {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? [] {
                    stack.append(current + "/" + name)
                }
            }
        }
        return total
    }
}
