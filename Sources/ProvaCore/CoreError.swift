/// The one error type of ProvaCore: a stable machine-readable `code`, a `message`
/// that says what was wrong and how to fix it, and the underlying cause if any.
public struct ProvaCoreError: CodedError, Equatable {
    public let code: ErrorCode
    public let message: String
    public let cause: String?

    public init(_ code: ErrorCode, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}
