import Foundation
import ProvaClient
public import ProvaCore
import ProvaSandbox

/// The one error type of ProvaWorker: a stable machine-readable `code`, a `message` that says what was wrong and how
/// to fix it, and the lower-level cause (a client, sandbox or file-system error) when there is one.
public struct WorkerError: CodedError, Hashable {
    public var code: ErrorCode
    public var message: String
    public var cause: String?

    public init(_ code: ErrorCode, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    /// Wraps any error, keeping a `WorkerError` as it is and carrying the code of client and sandbox errors.
    static func wrap(_ error: any Error, _ code: ErrorCode, _ message: String) -> WorkerError {
        if let error = error as? WorkerError { return error }
        return WorkerError(code, message, cause: describe(error))
    }

    /// A short text for any error, preferring the messages of Prova's own error types.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as WorkerError: return "\(error.code): \(error.description)"
        case let error as ClientError: return "\(error.code): \(error.description)"
        case let error as SandboxError: return error.description
        case let error as ProvaCoreError: return "\(error.code): \(error.message)"
        default: return String(describing: error)
        }
    }
}

/// True when `error` means the surrounding task was cancelled (the daemon is stopping or was killed),
/// so nothing may be reported on the chain in its name.
func isCancellation(_ error: any Error) -> Bool {
    if error is CancellationError { return true }
    if let error = error as? SandboxError, error.code == .cancelled { return true }
    return Task.isCancelled
}
