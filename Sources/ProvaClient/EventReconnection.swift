/// How an event stream reconnects after its connection drops or fails: at once to the next node of the client's
/// list; after each round in which every node failed, a pause that doubles from `firstDelay` up to `maxDelay`; and
/// the stream fails once no node has answered for `giveUpAfter`.
public struct EventReconnection: Sendable, Hashable {
    public var firstDelay: Duration
    public var maxDelay: Duration
    public var giveUpAfter: Duration

    public init(firstDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(2), giveUpAfter: Duration = .seconds(60)) {
        self.firstDelay = firstDelay; self.maxDelay = maxDelay; self.giveUpAfter = giveUpAfter
    }

    /// 200 ms doubling to 2 s, giving up after 60 s without any node answering.
    public static let standard = EventReconnection()
}

/// The pauses between rounds of reconnection, per `EventReconnection`.
struct ReconnectionBackoff {
    let policy: EventReconnection
    private var next: Duration

    init(_ policy: EventReconnection) { self.policy = policy; self.next = policy.firstDelay }

    /// The pause before the next round; each is twice the one before, up to `maxDelay`.
    mutating func delay() -> Duration {
        defer { next = min(next * 2, policy.maxDelay) }
        return next
    }

    /// After a node answered: the next outage starts again at `firstDelay`.
    mutating func reset() { next = policy.firstDelay }
}

/// Where an event stream is, by the `HEIGHT:INDEX` ids every validator of a chain gives the same events: an event at
/// or before the last one delivered is skipped, so a stream resumed on another node shows none twice.
struct EventStreamPosition: Sendable, Hashable, Comparable {
    var height: UInt64
    var index: Int

    init?(_ id: String?) {
        guard let id else { return nil }
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let height = UInt64(parts[0]), let index = Int(parts[1]) else { return nil }
        self.height = height; self.index = index
    }

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.height, lhs.index) < (rhs.height, rhs.index) }
}
