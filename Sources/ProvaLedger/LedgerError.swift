public import ProvaCore

/// The one error type of ProvaLedger. `code` is stable (the API returns it), `message` says what was
/// wrong and what to do, `cause` carries an underlying error when there is one.
public struct LedgerError: CodedError, Equatable {
    public let code: ErrorCode
    public let message: String
    public let cause: String?

    public init(_ code: ErrorCode, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public init(_ core: ProvaCoreError) {
        self.init(core.code, core.message, cause: core.cause)
    }

}
