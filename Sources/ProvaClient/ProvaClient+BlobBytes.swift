import Foundation
import NIOHTTP1
import ProvaCore

extension ProvaClient {
    /// Downloads a small blob (a log) into memory, at most `limit` bytes, and checks its SHA-256 against `digest`.
    public func getBlobBytes(digest: String, limit: Int) async throws -> [UInt8] {
        try Self.checkDigest(digest)
        let response = try await execute(.GET, Endpoint("blobs", digest), timeout: transferTimeout)
        try await check(response)
        let bytes = try await collect(response, limit: limit)
        let actual = SHA256Hex.of(bytes)
        guard actual == digest else {
            throw ClientError(.digestMismatch, "the node sent bytes whose SHA-256 is \(actual), not \(digest); nothing was kept — retry, or fetch from another node")
        }
        return bytes
    }
}
