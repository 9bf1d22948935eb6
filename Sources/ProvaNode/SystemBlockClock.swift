import Foundation
public import ProvaCore

/// The clock a validator uses unless told otherwise: the wall clock for block timestamps (ms since the Unix epoch),
/// `Task.sleep` for waits (cancellable: a cancelled wait throws `CancellationError` at once).
public struct SystemBlockClock: BlockClock {
    public init() {}

    public func nowMilliseconds() -> Milliseconds {
        Milliseconds(Date().timeIntervalSince1970 * 1000)
    }

    public func sleep(until deadline: Milliseconds) async throws {
        // `Task.sleep` counts on the monotonic clock; re-check the wall clock so a deadline is never reported early.
        var remaining = deadline - nowMilliseconds()
        while remaining > 0 {
            try await Task.sleep(for: .milliseconds(remaining))
            remaining = deadline - nowMilliseconds()
        }
        try Task.checkCancellation()
    }
}
