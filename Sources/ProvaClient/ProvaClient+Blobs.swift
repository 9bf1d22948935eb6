import Crypto
public import Foundation
import NIOCore
public import ProvaCore
import AsyncHTTPClient
import NIOHTTP1

/// Content-addressed blobs (program images, inputs, proofs): `PUT`/`GET`/`HEAD /v1/blobs/{sha256}`.
extension ProvaClient {
    /// Uploads a file: hashes it in one streaming pass, then streams it to the node, which checks the digest again.
    /// Memory use is one chunk, whatever the file's size. The upload is signed by `key` (docs/API.md "Blobs": a blob no
    /// transaction names yet counts against the uploader's quota); `chain` is read from the node unless given.
    public func putBlob(file: URL, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> BlobReceipt {
        let (digest, size) = try LocalFile.digest(of: file)
        let authorization = try await uploadAuthorization(digest, key: key, chain: chain)
        let response = try await execute(.PUT, Endpoint("blobs", digest), body: .stream(FileChunks(url: file), length: .known(size)),
                                         contentType: "application/octet-stream", headers: [("Authorization", authorization)],
                                         timeout: transferTimeout)
        try await check(response)
        return try decode(BlobReceipt.self, from: try await collect(response), route: Endpoint("blobs", digest))
    }

    /// Uploads bytes held in memory (small blobs), signed by `key` as `putBlob(file:signedBy:)`.
    public func putBlob(bytes: [UInt8], signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> BlobReceipt {
        let digest = SHA256Hex.of(bytes)
        let authorization = try await uploadAuthorization(digest, key: key, chain: chain)
        let response = try await execute(.PUT, Endpoint("blobs", digest), body: .bytes(ByteBuffer(bytes: bytes)),
                                         contentType: "application/octet-stream", headers: [("Authorization", authorization)],
                                         timeout: transferTimeout)
        try await check(response)
        return try decode(BlobReceipt.self, from: try await collect(response), route: Endpoint("blobs", digest))
    }

    /// The `Authorization: Prova-Upload …` value for uploading `digest` as `key`, valid for ten minutes.
    func uploadAuthorization(_ digest: String, key: AccountKey, chain: ChainIdentity?) async throws -> String {
        let genesisHash: String
        if let chain { genesisHash = chain.genesisHash } else { genesisHash = try await self.chain().genesisHash }
        let expires = Milliseconds(Date().timeIntervalSince1970 * 1_000) + 600_000
        return BlobUploadAuthorization(digest: digest, genesisHash: genesisHash, expiresAtMilliseconds: expires, key: key).headerValue
    }

    /// Size of a stored blob, or nil when the node does not have it.
    public func blobExists(digest: String) async throws -> ByteCount? {
        try Self.checkDigest(digest)
        let response = try await execute(.HEAD, Endpoint("blobs", digest), timeout: requestTimeout)
        if response.status.code == 404 { return nil }
        try await check(response)
        return response.headers.first(name: "Content-Length").flatMap { ByteCount($0) } ?? 0
    }

    /// Downloads a blob to `file`, streaming to disk and hashing on the way. The bytes land in `file.part` and are
    /// renamed into place only when their digest matches; on a mismatch nothing is left behind.
    /// - Returns: the number of bytes written.
    @discardableResult
    public func getBlob(digest: String, to file: URL) async throws -> ByteCount {
        try Self.checkDigest(digest)
        let response = try await execute(.GET, Endpoint("blobs", digest), timeout: transferTimeout)
        try await check(response)
        let partial = file.appendingPathExtension("part")
        let handle = try LocalFile.createForWriting(partial)
        var hasher = SHA256()
        var size: ByteCount = 0
        do {
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher.update(bufferPointer: bytes)
                    try handle.write(contentsOf: bytes)
                }
                size += ByteCount(buffer.readableBytes)
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            if error is CancellationError { throw error }
            if error is ClientError { throw error }
            if let error = error as? CocoaError {
                throw ClientError(.fileUnwritable, "writing \(partial.path) failed; check free space and permissions", cause: "\(error)")
            }
            throw ClientError.transport(error, node: currentNode)
        }
        let actual = Hex.encode(hasher.finalize())
        guard actual == digest else {
            try? FileManager.default.removeItem(at: partial)
            throw ClientError(.digestMismatch, "the node sent bytes whose SHA-256 is \(actual), not \(digest); nothing was kept — retry, or fetch from another node")
        }
        do {
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
            try FileManager.default.moveItem(at: partial, to: file)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw ClientError(.fileUnwritable, "cannot put the download in place at \(file.path)", cause: "\(error)")
        }
        return size
    }

    static func checkDigest(_ digest: String) throws {
        guard SHA256Hex.isDigest(digest) else {
            throw ClientError(.badDigest, "'\(digest)' is not a blob digest; a digest is 64 lowercase hex characters (SHA-256)")
        }
    }
}

extension LocalFile {
    /// Creates (or truncates) a file for writing, with its parent directories.
    static func createForWriting(_ url: URL) throws -> FileHandle {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission)
            }
            return try FileHandle(forWritingTo: url)
        } catch {
            throw ClientError(.fileUnwritable, "cannot write \(url.path); check the directory exists and is writable", cause: "\(error)")
        }
    }
}
