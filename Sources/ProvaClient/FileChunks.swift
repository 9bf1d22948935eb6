import Crypto
import Foundation
import NIOCore
import ProvaCore

/// A file read in chunks, as an async sequence of buffers: uploads stream from disk, never holding the file in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL
    var chunkSize = 1 << 20

    struct AsyncIterator: AsyncIteratorProtocol {
        let url: URL
        let chunkSize: Int
        var handle: FileHandle?
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            if handle == nil { handle = try LocalFile.openForReading(url) }
            guard let handle, let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
                try? handle?.close()
                finished = true
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(url: url, chunkSize: chunkSize) }
}

/// Local file helpers with errors that name the file and say what to do.
enum LocalFile {
    static func openForReading(_ url: URL) throws -> FileHandle {
        do { return try FileHandle(forReadingFrom: url) } catch {
            throw ClientError(.fileUnreadable, "cannot read \(url.path); check the path and its permissions", cause: "\(error)")
        }
    }

    /// SHA-256 (lowercase hex) and size of a file, read in 1 MiB chunks.
    static func digest(of url: URL) throws -> (digest: String, size: ByteCount) {
        let handle = try openForReading(url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: ByteCount = 0
        do {
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                hasher.update(data: data)
                size += ByteCount(data.count)
            }
        } catch {
            throw ClientError(.fileUnreadable, "reading \(url.path) failed", cause: "\(error)")
        }
        return (Hex.encode(hasher.finalize()), size)
    }
}
