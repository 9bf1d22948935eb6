import Crypto
import Foundation
import ProvaCore

/// Random access to the members of an image archive (the outer `docker save` / OCI layout tar)
/// without extracting it.
struct ArchiveMembers: Sendable {
    let archive: String
    private let entries: [String: TarEntry]
    /// manifest.json, index.json and config blobs are read into memory; cap them.
    static let maxDocumentBytes: Int64 = 16 << 20

    init(archive: URL) throws {
        self.archive = archive.path
        var entries: [String: TarEntry] = [:]
        for entry in try TarReader.entries(ofFile: archive.path) {
            let name = try ArchivePath.components(entry.name).joined(separator: "/")
            if !name.isEmpty { entries[name] = entry }
        }
        self.entries = entries
    }

    func contains(_ name: String) -> Bool { (try? member(name)) != nil }

    /// Follows symlink members (old `docker save` links duplicate layers) inside the archive.
    func member(_ name: String) throws -> TarEntry {
        var current = try ArchivePath.components(name, what: "archive reference").joined(separator: "/")
        for _ in 0..<8 {
            guard let entry = entries[current] else {
                throw SandboxError.invalidArchive("the archive has no member \"\(name)\"")
            }
            switch entry.kind {
            case .file: return entry
            case .symlink:
                var base = current.split(separator: "/").dropLast().map(String.init)
                for part in entry.linkName.split(separator: "/").map(String.init) where part != "." {
                    if part == ".." {
                        guard !base.isEmpty else { throw SandboxError.unsafeArchive("archive link \"\(current)\" leaves the archive") }
                        base.removeLast()
                    } else {
                        base.append(part)
                    }
                }
                current = base.joined(separator: "/")
            default:
                throw SandboxError.invalidArchive("archive member \"\(name)\" is not a regular file")
            }
        }
        throw SandboxError.invalidArchive("archive member \"\(name)\" is a chain of links")
    }

    func read(_ name: String) throws -> Data {
        let entry = try member(name)
        guard entry.size <= Self.maxDocumentBytes else {
            throw SandboxError.invalidArchive("archive member \"\(name)\" is too large for a JSON document")
        }
        guard let handle = FileHandle(forReadingAtPath: archive) else { throw SandboxError.io("open", path: archive, errno: errno) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(entry.dataOffset))
        let data = try handle.read(upToCount: Int(entry.size)) ?? Data()
        guard data.count == Int(entry.size) else { throw SandboxError.invalidArchive("archive member \"\(name)\" is truncated") }
        return data
    }

    /// Copies a member to `destination`, returning the SHA-256 of its bytes.
    func copy(_ name: String, to destination: URL) throws -> String {
        let entry = try member(name)
        guard let input = FileHandle(forReadingAtPath: archive) else { throw SandboxError.io("open", path: archive, errno: errno) }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
            let output = FileHandle(forWritingAtPath: destination.path)
        else { throw SandboxError.io("create", path: destination.path, errno: errno) }
        defer { try? output.close() }
        try input.seek(toOffset: UInt64(entry.dataOffset))
        var hasher = SHA256()
        var remaining = entry.size
        while remaining > 0 {
            let chunk = try input.read(upToCount: Int(min(remaining, 1 << 20))) ?? Data()
            guard !chunk.isEmpty else { throw SandboxError.invalidArchive("archive member \"\(name)\" is truncated") }
            hasher.update(data: chunk)
            try output.write(contentsOf: chunk)
            remaining -= Int64(chunk.count)
        }
        return Hex.encode(hasher.finalize())
    }

    /// Whether a member starts with the gzip or zstd magic bytes.
    func isCompressed(_ name: String) throws -> Bool {
        let entry = try member(name)
        let fd = open(archive, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError.io("open", path: archive, errno: errno) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = pread(fd, &magic, 4, off_t(entry.dataOffset))
        return (count >= 2 && magic.starts(with: [0x1f, 0x8b])) || (count >= 4 && magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]))
    }

    /// A member read in place as a tar stream, hashing its bytes.
    func withStream<T>(of entry: TarEntry, what: String, _ body: (inout TarStream) throws -> T) throws -> T {
        let fd = open(archive, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError.io("open", path: archive, errno: errno) }
        defer { close(fd) }
        guard lseek(fd, off_t(entry.dataOffset), SEEK_SET) >= 0 else { throw SandboxError.io("seek", path: archive, errno: errno) }
        var stream = TarStream(fd: fd, what: what, hashing: true, length: entry.size)
        return try body(&stream)
    }
}
