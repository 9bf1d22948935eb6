/// The shape every module's one error type shares: a stable machine-readable `code`, a `message` that says what was
/// wrong and how to fix it, and the underlying cause when there is one. Conforming types get their description here.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    var code: ErrorCode { get }
    var message: String { get }
    var cause: String? { get }
}

extension CodedError {
    public var description: String {
        if let cause { return "\(code): \(message) (cause: \(cause))" }
        return "\(code): \(message)"
    }
}
