public import HTTPTypes
public import Hummingbird
import Foundation
public import ProvaCore
public import ProvaLedger
public import ProvaStore

/// The one error type of ProvaNode. It is also the HTTP error: every failure of the API is answered as
/// `{"code", "message"}` with `status`. `cause` is logged, not sent.
public struct NodeError: CodedError, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: ErrorCode
    public let message: String
    public let cause: String?
    /// Extra headers (e.g. `Retry-After` for a full mempool).
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: ErrorCode, _ message: String, cause: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.cause = cause
        self.headers = headers
    }

    /// A transaction refused by the ledger: 422 with the ledger's code.
    public init(_ error: LedgerError) {
        self.init(.unprocessableContent, error.code, error.message, cause: error.cause)
    }

    public init(_ error: StoreError) {
        switch error.code {
        case .digestMismatch, .badDigest: self.init(.badRequest, error.code, error.message)
        case .tooLarge: self.init(.contentTooLarge, error.code, error.message)
        default: self.init(.internalServerError, error.code, error.message, cause: error.cause)
        }
    }

        public static func notFound(_ what: String) -> NodeError { NodeError(.notFound, .notFound, "\(what) was not found") }

    public static func badRequest(_ message: String, code: ErrorCode = .badRequest) -> NodeError { NodeError(.badRequest, code, message) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let body = (try? JSONEncoder().encode(APIError(code: code, message: message))) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
