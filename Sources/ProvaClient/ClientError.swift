import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
public import ProvaCore

/// The one error type of ProvaClient: a stable machine-readable `code` (the node's `APIError.code` when the node
/// answered), a `message` that says what was wrong and how to fix it, and the underlying cause if any.
public struct ClientError: CodedError, Hashable {
    public var code: ErrorCode
    public var message: String
    public var cause: String?
    /// The HTTP status when the node answered with an error; nil for errors raised before or without an answer.
    public var httpStatus: Int?

    public init(_ code: ErrorCode, _ message: String, cause: String? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.httpStatus = httpStatus
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    /// The node's own error, if it sent one.
    public var apiError: APIError? { httpStatus == nil ? nil : APIError(code: code, message: message) }

    /// True for 4xx answers: the request itself was wrong, so retrying it unchanged cannot help.
    public var isClientMistake: Bool { (400..<500).contains(httpStatus ?? 0) }
}

extension ClientError {
    public static func nodeUnreachable(_ node: String, cause: String? = nil) -> ClientError {
        ClientError(.nodeUnreachable, "no Prova node at \(node); start one with `prova devnet` or pass --node", cause: cause)
    }

    /// Maps a non-2xx answer to an error, preferring the node's `{code, message}` body. A rejected transaction
    /// (`{"status":"rejected","error":{…}}`) carries its error one level down.
    static func fromHTTP(status: Int, body: [UInt8]) -> ClientError {
        let decoder = JSONDecoder()
        if let apiError = try? decoder.decode(APIError.self, from: Data(body)) {
            return ClientError(apiError.code, apiError.message, httpStatus: status)
        }
        if let rejected = try? decoder.decode(TransactionStatus.self, from: Data(body)), let apiError = rejected.error {
            return ClientError(apiError.code, apiError.message, cause: "transaction \(rejected.hash) rejected", httpStatus: status)
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let hint = status == 404 ? "; is this a Prova node of a compatible version?" : ""
        return ClientError(ErrorCode("http_\(status)"), "the node answered HTTP \(status)\(text.isEmpty ? "" : ": \(text)")\(hint)", httpStatus: status)
    }

    /// Maps an error thrown while talking to the node. Cancellation is passed through unchanged by the callers.
    static func transport(_ error: any Error, node: String) -> ClientError {
        if let error = error as? ClientError { return error }
        let cause = String(describing: error)
        if error is NIOConnectionError { return .nodeUnreachable(node, cause: cause) }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ECONNRESET].contains(error.errnoCode) {
            return .nodeUnreachable(node, cause: cause)
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return .nodeUnreachable(node, cause: cause)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return .nodeUnreachable(node, cause: cause)
            case .deadlineExceeded, .readTimeout:
                return ClientError(.timeout, "the node at \(node) did not answer in time; it may be busy — retry, or allow longer with --timeout", cause: cause)
            case .remoteConnectionClosed:
                return ClientError(.connectionLost, "the node at \(node) closed the connection mid-request; retry, and check the node's log if it keeps happening", cause: cause)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .badNodeURL(node, cause: cause)
            default:
                break
            }
            if "\(error)".contains("unsupportedScheme") { return .badNodeURL(node, cause: cause) }
        }
        return ClientError(.transportError, "talking to the node at \(node) failed; check that --node points at a running Prova node", cause: cause)
    }

    static func badNodeURL(_ node: String, cause: String? = nil) -> ClientError {
        ClientError(.badNodeUrl, "'\(node)' is not a node URL; write e.g. http://127.0.0.1:8545", cause: cause)
    }
}
