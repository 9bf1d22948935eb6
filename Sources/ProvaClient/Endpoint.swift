public import ProvaCore

/// A route of the API and its query, with every path segment and query value percent-encoded,
/// so IDs, names and human units (`190GiB`) reach the node exactly as given.
struct Endpoint: Sendable, Hashable {
    var segments: [String]
    var query: [QueryItem]

    struct QueryItem: Sendable, Hashable {
        var name: String
        var value: String
    }

    /// `Endpoint("tasks", id)` is `/v1/tasks/<id>`.
    init(_ segments: String..., query: [(String, String?)] = []) {
        self.segments = segments
        self.query = query.compactMap { name, value in value.map { QueryItem(name: name, value: $0) } }
    }

    /// The path and query, e.g. `/v1/tasks?state=running&limit=20`.
    var pathAndQuery: String {
        var text = "/v1/" + segments.map(Self.percentEncode).joined(separator: "/")
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }.joined(separator: "&")
        }
        return text
    }

    /// RFC 3986 unreserved characters stay; every other byte is `%XX`.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0f)])
            }
        }
        return out
    }
}

/// The filters of `GET /v1/events`; they combine with AND. `account` matches an event's `account` or `worker`.
public struct EventFilter: Sendable, Hashable {
    public var worker: Address?
    public var task: TaskID?
    public var account: Address?
    /// Replay from this block height (inclusive) before following live events.
    public var from: UInt64?

    public init(worker: Address? = nil, task: TaskID? = nil, account: Address? = nil, from: UInt64? = nil) {
        self.worker = worker; self.task = task; self.account = account; self.from = from
    }

    /// The endpoint for this filter. `from` is left out when resuming by `Last-Event-ID`, which says more precisely where to go on.
    func endpoint(resuming: Bool) -> Endpoint {
        Endpoint("events", query: [
            ("worker", worker), ("task", task), ("account", account), ("from", resuming ? nil : from.map { String($0) }),
        ])
    }
}
