import Crypto
import Foundation
import ProvaCore

/// The SHA-256 of a file, in Prova's lowercase hex (ProvaCore's `SHA256Hex` does the same for bytes in memory).
enum FileDigest {
    /// Hashes a file by streaming it, never holding it in memory.
    static func sha256Hex(ofFile url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SandboxError.io("open", path: url.path, errno: ENOENT)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return Hex.encode(hasher.finalize())
    }
}
