import Foundation
public import ProvaCore

/// The clock a validator uses unless told otherwise: the wall clock for block timestamps (ms since the Unix epoch) and
/// Swift's `ContinuousClock` for intervals and waits (cancellable: a cancelled wait throws `CancellationError` at once).
public struct SystemBlockClock: BlockClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func nowMilliseconds() -> Milliseconds {
        Milliseconds(Date().timeIntervalSince1970 * 1000)
    }

    public func monotonicMilliseconds() -> Milliseconds {
        let elapsed = origin.duration(to: .now).components
        return elapsed.seconds * 1_000 + elapsed.attoseconds / 1_000_000_000_000_000
    }

    public func sleep(until deadline: Milliseconds) async throws {
        try await Task.sleep(until: origin + .milliseconds(deadline), clock: .continuous)
    }
}
