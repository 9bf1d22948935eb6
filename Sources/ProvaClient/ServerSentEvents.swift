/// One event of a `text/event-stream`, as the WHATWG HTML specification defines it.
public struct ServerSentEvent: Sendable, Hashable {
    /// The last event ID seen on the stream when this event was dispatched (IDs persist across events).
    public var id: String?
    /// The `event:` field; nil means the default type, `message`.
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// A `retry:` field, in milliseconds: how long to wait before reconnecting.
    public var retryMilliseconds: Int?

    public init(id: String? = nil, event: String? = nil, data: String, retryMilliseconds: Int? = nil) {
        self.id = id; self.event = event; self.data = data; self.retryMilliseconds = retryMilliseconds
    }
}

/// An incremental parser for server-sent events: feed it bytes as they arrive, in chunks split anywhere (even inside a
/// line, a CRLF pair or a UTF-8 character), and it returns the events completed by each chunk.
/// Lines end in LF, CR or CRLF; lines starting with `:` are comments (keep-alives); a blank line dispatches.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var previousWasCR = false
    private var atStreamStart = true
    private var dataLines: [String] = []
    private var hasData = false
    private var eventName: String?
    private var lastEventID: String?
    private var retry: Int?

    public init() {}

    /// The ID to send as `Last-Event-ID` when reconnecting.
    public var lastID: String? { lastEventID }

    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if previousWasCR {
                previousWasCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                previousWasCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Processes one complete line; returns an event when the line is blank and data was buffered.
    private mutating func endLine() -> ServerSentEvent? {
        var bytes = line
        line.removeAll(keepingCapacity: true)
        if atStreamStart {
            atStreamStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        }
        if bytes.isEmpty { return dispatch() }
        if bytes.first == UInt8(ascii: ":") { return nil }
        let field: String
        var value: String
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var valueBytes = bytes[(colon + 1)...]
            if valueBytes.first == UInt8(ascii: " ") { valueBytes = valueBytes.dropFirst() }
            value = String(decoding: valueBytes, as: UTF8.self)
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(value)
            hasData = true
        case "event":
            eventName = value
        case "id":
            if !value.unicodeScalars.contains("\u{0}") { lastEventID = value.isEmpty ? nil : value }
        case "retry":
            if !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let milliseconds = Int(value) { retry = milliseconds }
            value = ""
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            dataLines.removeAll()
            hasData = false
            eventName = nil
        }
        guard hasData else { return nil }
        let event = ServerSentEvent(id: lastEventID, event: eventName, data: dataLines.joined(separator: "\n"), retryMilliseconds: retry)
        return event
    }
}
