public import ProvaCore

/// The one error type of ProvaStore: a stable code, a message that says what to do, and the cause.
public struct StoreError: CodedError, Equatable {
    public let code: ErrorCode
    public let message: String
    public let cause: String?

    public init(_ code: ErrorCode, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}
