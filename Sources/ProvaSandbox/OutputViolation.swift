import ProvaCore

/// Why the files a program left in /output cannot be reported as its result.
///
/// The bounds are the program's to keep: a run that breaks one is a failed run *of the program* (the worker says so in
/// its result, which then always fits a transaction), never a result too large for the chain that would make an honest
/// worker miss its deadline.
public enum OutputViolation: Sendable, Codable, Equatable, CustomStringConvertible {
    /// More regular files than `RunLimits.maxOutputFiles`; `count` is every file found.
    case tooManyFiles(count: Int, limit: Int)
    /// A path relative to /output longer than `RunLimits.maxOutputPathBytes`.
    case pathTooLong(path: String, bytes: Int, limit: Int)
    /// A name that cannot be reported: not UTF-8, a control character, a backslash or a quote.
    case badName(path: String, reason: String)
    /// /output filled its file system (`RunLimits.outputBytesLimit`): some writes failed with "no space left".
    case full(limitBytes: Int64)

    public var description: String {
        switch self {
        case .tooManyFiles(let count, let limit):
            "\(Self.grouped(count)) outputs; the limit is \(Self.grouped(limit))"
        case .pathTooLong(let path, let bytes, let limit):
            "output \"\(path.prefix(80))…\" has a \(Self.grouped(bytes))-byte path; the limit is \(Self.grouped(limit)) bytes"
        case .badName(let path, let reason):
            "output \"\(path.prefix(80))\" has a name that cannot be reported: \(reason)"
        case .full(let limit):
            "/output is full: the program wrote past its \(Units.formatBytes(limit)) limit"
        }
    }

    /// 412003 → "412,003".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

}
