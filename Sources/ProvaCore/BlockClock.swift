/// Where a validator's block loop gets time: the wall clock for block timestamps (ms since the Unix epoch) and a way
/// to wait for a moment. Injected, so tests drive the loop with a manual clock and production uses the system's.
/// ProvaCore itself never reads a clock; this only names what the daemons need.
public protocol BlockClock: Sendable {
    /// Milliseconds since the Unix epoch, now.
    func nowMilliseconds() -> Milliseconds
    /// Returns once the clock has reached `deadline` (ms since the Unix epoch); throws `CancellationError` when the
    /// waiting task is cancelled first.
    func sleep(until deadline: Milliseconds) async throws
}
