/// Hands out 0, 1, 2, … to concurrent senders until stopped: how a flood's tasks share one list of transactions.
public actor IndexCursor {
    private var value = 0
    private var stopped = false

    public init() {}

    public func take() -> Int? {
        guard !stopped else { return nil }
        defer { value += 1 }
        return value
    }

    public func stop() { stopped = true }
}
