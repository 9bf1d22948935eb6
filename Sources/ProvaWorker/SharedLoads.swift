/// One load per key at a time (a download, an image import), shared by everyone who asks for it meanwhile.
///
/// The load runs in the task of the first caller; later callers wait for its outcome instead of starting their own.
/// No task is spawned, so a load belongs to a job and stops with it (a worker killed mid-download stops downloading,
/// a job whose attempt timed out stops importing). A waiter whose runner was stopped that way runs the load itself;
/// a waiter that is stopped itself stops waiting and leaves the load to the others.
actor SharedLoads<Value: Sendable> {
    private var waiting: [String: [AsyncStream<Result<Value, any Error>>.Continuation]] = [:]

    /// Whether a load of `key` is under way.
    func isRunning(_ key: String) -> Bool { waiting[key] != nil }

    func value(for key: String, _ load: @Sendable () async throws -> Value) async throws -> Value {
        while waiting[key] != nil {
            let (outcome, continuation) = AsyncStream.makeStream(of: Result<Value, any Error>.self, bufferingPolicy: .bufferingNewest(1))
            waiting[key, default: []].append(continuation)
            var received: Result<Value, any Error>?
            for await result in outcome {
                received = result
                break
            }
            // Nothing received: this waiter was cancelled.
            guard let received else { throw CancellationError() }
            if case .failure(let error) = received, error is CancellationError {
                // The runner was stopped, not this waiter: load it here (or wait for whoever took over).
                try Task.checkCancellation()
                continue
            }
            return try received.get()
        }
        waiting[key] = []
        let result: Result<Value, any Error>
        do { result = .success(try await load()) } catch { result = .failure(isCancellation(error) ? CancellationError() : error) }
        for waiter in waiting.removeValue(forKey: key) ?? [] {
            waiter.yield(result)
            waiter.finish()
        }
        return try result.get()
    }
}
