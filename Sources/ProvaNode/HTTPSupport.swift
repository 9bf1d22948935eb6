import Foundation
import HTTPTypes
import Hummingbird
import ProvaCore
import ProvaLedger
import ProvaStore
import Prometheus

/// JSON in and out, with the checks every route shares: content type, size bound, well-formed IDs.
enum HTTP {
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Decodes a JSON body of at most `limit` bytes; 415 for another content type, 413 when too large, 400 when malformed.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            throw NodeError(.unsupportedMediaType, .unsupportedMediaType, "send the body as JSON with `Content-Type: application/json` (got '\(contentType)')")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw NodeError(.contentTooLarge, .tooLarge, "the body is \(length) bytes; the limit is \(limit)")
        }
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch {
            throw NodeError(.contentTooLarge, .tooLarge, "the body is larger than the limit of \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw NodeError(.badRequest, .badJson, "the body is not a valid \(T.self): \(describe(error))")
        } catch {
            throw NodeError(.badRequest, .badJson, "the body is not valid JSON")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "wrong type at '\(path(context.codingPath))'"
        case .dataCorrupted(let context): return context.debugDescription.isEmpty ? "malformed JSON" : "\(context.debugDescription) at '\(path(context.codingPath))'"
        @unknown default: return "malformed JSON"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name)
    }

    static func limit(_ request: Request, default value: Int = 20, max maximum: Int = 100) throws -> Int {
        guard let text = query(request, "limit") else { return value }
        guard let number = Int(text), (1...maximum).contains(number) else {
            throw NodeError.badRequest("limit must be a whole number from 1 to \(maximum)")
        }
        return number
    }

    static func digest(_ context: some RequestContext, _ name: String, what: String) throws -> String {
        guard let value = context.parameters.get(name), SHA256Hex.isDigest(value) else {
            throw NodeError.badRequest("\(what) must be a SHA-256 digest (64 lowercase hex characters)", code: .badId)
        }
        return value
    }

    static func address(_ text: String?, what: String = "address") throws -> Address {
        guard let text, Addresses.isValid(text) else {
            throw NodeError.badRequest("\(what) must be an address (40 lowercase hex characters)", code: .badId)
        }
        return text
    }

    static func optionalAddress(_ request: Request, _ name: String) throws -> Address? {
        guard let text = query(request, name) else { return nil }
        return try address(text, what: name)
    }

    static func optionalDigest(_ request: Request, _ name: String) throws -> String? {
        guard let text = query(request, name) else { return nil }
        guard SHA256Hex.isDigest(text) else { throw NodeError.badRequest("\(name) must be a SHA-256 digest", code: .badId) }
        return text
    }
}

/// Maps every error to `{code, message}` with the right status and records request latency.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics.requestDuration.record(ContinuousClock.now - started) }
        do {
            return try await next(request, context)
        } catch let error as NodeError {
            throw error
        } catch let error as LedgerError {
            throw NodeError(error)
        } catch let error as StoreError {
            throw NodeError(error)
        } catch let error as ProvaCoreError {
            throw NodeError(.badRequest, error.code, error.message)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: throw NodeError(.notFound, .notFound, "no route \(request.method) \(request.uri.path); see /openapi.yaml")
            case .methodNotAllowed: throw NodeError(.methodNotAllowed, .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge: throw NodeError(.contentTooLarge, .tooLarge, "the body is too large")
            default: throw NodeError(error.status, ErrorCode("http_\(error.status.code)"), error.body ?? error.status.reasonPhrase)
            }
        } catch {
            throw NodeError(.internalServerError, .internal, "the node failed to answer; see its log", cause: "\(error)")
        }
    }
}
