import Crypto
import Foundation
import ProvaCore

/// What was read from one pipe: a bounded prefix plus a digest over everything.
struct CapturedStream: Sendable, Equatable {
    var data: Data
    var truncated: Bool
    var sha256: String
    var totalBytes: Int64

    var text: String { String(decoding: data, as: UTF8.self) }
}

enum StreamDrainer {
    /// Reads `fd` until EOF on a dedicated thread (blocking reads must not occupy the Swift
    /// concurrency pool), keeping at most `limit` bytes but always draining so the writer never blocks.
    /// Closes `fd` at the end.
    static func drain(fd: Int32, limit: Int64) async -> CapturedStream {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: readAll(fd: fd, limit: limit))
            }
            thread.name = "prova-drain"
            thread.start()
        }
    }

    private static func readAll(fd: Int32, limit: Int64) -> CapturedStream {
        defer { close(fd) }
        var hasher = SHA256()
        var kept = Data()
        var total: Int64 = 0
        let bufferSize = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            let room = max(0, limit - Int64(kept.count))
            if room > 0 {
                kept.append(contentsOf: chunk.prefix(Int(min(room, Int64(count)))))
            }
            total += Int64(count)
        }
        return CapturedStream(
            data: kept, truncated: total > Int64(kept.count), sha256: Hex.encode(hasher.finalize()), totalBytes: total)
    }
}
