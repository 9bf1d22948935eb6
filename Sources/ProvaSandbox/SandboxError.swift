import Foundation
public import ProvaCore

/// The one error type of ProvaSandbox.
///
/// `code` is stable and machine-readable, `message` says what went wrong and how to fix it,
/// `underlying` keeps the lower-level cause (a POSIX error, a decoding error…) when there is one.
public struct SandboxError: CodedError {
    public let code: ErrorCode
    public let message: String
    public let underlying: (any Error)?

    public init(code: ErrorCode, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var cause: String? { underlying.map { "\($0)" } }
}

extension SandboxError {
    static func invalidSpec(_ message: String) -> SandboxError {
        SandboxError(code: .invalidSpec, message: message)
    }

    static func unsafeArchive(_ message: String) -> SandboxError {
        SandboxError(
            code: .unsafeArchive,
            message: "\(message); the image archive was rejected, rebuild the image without such entries")
    }

    static func invalidArchive(_ message: String, underlying: (any Error)? = nil) -> SandboxError {
        SandboxError(
            code: .invalidArchive,
            message: "\(message); provide a `docker save` archive or an OCI image layout tar",
            underlying: underlying)
    }

    static func digestMismatch(what: String, expected: String, actual: String) -> SandboxError {
        SandboxError(
            code: .digestMismatch,
            message: "\(what) has digest sha256:\(actual) but sha256:\(expected) was expected; "
                + "the file is corrupt or was tampered with, fetch it again from a trusted source")
    }

    static func io(_ what: String, path: String, errno code: Int32) -> SandboxError {
        SandboxError(
            code: .ioFailed,
            message: "\(what) failed for \(path); check that the path exists and that there is free disk space",
            underlying: POSIXErrorCode(rawValue: code).map { POSIXError($0) })
    }
}
