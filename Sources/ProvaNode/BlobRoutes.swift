import Foundation
import Hummingbird
import ProvaCore
import ProvaStore

/// `PUT/GET/HEAD /v1/blobs/{sha256}`: content-addressed files, streamed both ways, never held whole in memory.
extension APIRouter {
    static func addBlobRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        let blobs = node.blobs
        router.put("/v1/blobs/:digest") { request, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > blobs.maxBlobBytes {
                throw NodeError(.contentTooLarge, .tooLarge, "the blob is \(length) bytes; the limit is \(Units.formatBytes(blobs.maxBlobBytes))")
            }
            let upload = try blobs.beginUpload(digest: digest)
            do {
                for try await buffer in request.body {
                    try buffer.withUnsafeReadableBytes { try upload.write($0) }
                }
            } catch {
                upload.abort()
                throw error
            }
            let receipt = try upload.finish()
            return try HTTP.json(receipt, status: receipt.created ? .created : .ok)
        }
        router.head("/v1/blobs/:digest") { _, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            guard let size = blobs.size(of: digest) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentLength: String(size), .contentType: "application/octet-stream"])
        }
        router.get("/v1/blobs/:digest") { _, context -> Response in
            let digest = try HTTP.digest(context, "digest", what: "the blob digest")
            guard let size = blobs.size(of: digest) else { throw NodeError.notFound("blob \(digest)") }
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
}
