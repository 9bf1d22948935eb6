import Foundation
import Hummingbird
import HTTPTypes
import ProvaCore
import ProvaStore

/// `PUT/GET/HEAD /v1/blobs/{sha256}`: content-addressed files, streamed both ways, never held whole in memory.
extension APIRouter {
    static func addBlobRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        let blobs = node.blobs
        router.put("/v1/blobs/:digest") { request, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            let declared = request.headers[.contentLength].flatMap { Int64($0) }
            if let length = declared, length > blobs.maxBlobBytes {
                throw NodeError(.contentTooLarge, .tooLarge, "the blob is \(length) bytes; the limit is \(Units.formatBytes(blobs.maxBlobBytes))")
            }
            if let size = blobs.size(of: digest) {
                // Already stored: nothing to write, nothing to charge.
                for try await _ in request.body {}
                return try HTTP.json(BlobReceipt(digest: digest, size: size, created: false), status: .ok)
            }
            let grant = try await node.admitUpload(digest: digest, declaredBytes: declared, authorization: request.headers[.authorization])
            let upload = try blobs.beginUpload(digest: digest)
            do {
                var sinceCheck: ByteCount = 0
                for try await buffer in request.body {
                    try buffer.withUnsafeReadableBytes { try upload.write($0) }
                    guard upload.size <= grant.remainingBytes else {
                        throw NodeError(.tooManyRequests, .uploadQuotaExceeded, "the upload is larger than what is left of the uploader's quota (\(Units.formatBytes(grant.remainingBytes)))",
                                        headers: [.retryAfter: "60"])
                    }
                    sinceCheck += ByteCount(buffer.readableBytes)
                    if sinceCheck >= 64 * Units.mib {
                        try node.checkFreeDisk(for: 0)
                        sinceCheck = 0
                    }
                }
            } catch {
                upload.abort()
                throw error
            }
            let receipt = try upload.finish()
            await node.recordUpload(grant, bytes: receipt.size)
            return try HTTP.json(receipt, status: receipt.created ? .created : .ok)
        }
        router.head("/v1/blobs/:digest") { request, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            guard let size = try await localOrPeerBlobSize(digest, request: request, node: node) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentLength: String(size), .contentType: "application/octet-stream"])
        }
        router.get("/v1/blobs/:digest") { request, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            guard let size = try await localOrPeerBlobSize(digest, request: request, node: node) else { throw NodeError.notFound("blob \(digest)") }
            let url = blobs.url(for: digest)
            let body = ResponseBody(contentLength: Int(size)) { writer in
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
    }

    /// The blob's size here; in a cluster, a blob uploaded to another validator is copied from it first — only one a
    /// committed transaction names, and never on a peer's own request (which would ask in circles).
    static func localOrPeerBlobSize(_ digest: String, request: Request, node: ValidatorNode) async throws -> ByteCount? {
        if let size = node.blobs.size(of: digest) { return size }
        guard let cluster = node.cluster, let header = HTTPField.Name(ClusterLink.peerFetchHeader), request.headers[header] == nil,
              (try? node.store.isBlobReferenced(digest)) == true else { return nil }
        guard await cluster.fetchBlob(digest, into: node.blobs) else { return nil }
        return node.blobs.size(of: digest)
    }
}
