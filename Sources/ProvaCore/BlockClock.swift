/// Where a validator's block loop gets time. Two readings, because they answer different questions:
/// - the **wall clock** (ms since the Unix epoch) gives block timestamps;
/// - the **monotonic clock** (ms from an arbitrary origin, never stepped) measures intervals and waits, so a wall clock
///   that jumps (an NTP step, an operator's mistake) neither rushes nor stalls block production, and the node can tell
///   such a jump from time passing (docs/PROTOCOL.md "Block timestamps").
/// Injected, so tests drive the loop with a manual clock and production uses the system's. ProvaCore itself never reads
/// a clock; this only names what the daemons need.
public protocol BlockClock: Sendable {
    /// Milliseconds since the Unix epoch, now.
    func nowMilliseconds() -> Milliseconds
    /// Milliseconds on a clock that only moves forward, at the rate time passes.
    func monotonicMilliseconds() -> Milliseconds
    /// Returns once the monotonic clock has reached `deadline`; throws `CancellationError` when the waiting task is
    /// cancelled first.
    func sleep(until deadline: Milliseconds) async throws
}
