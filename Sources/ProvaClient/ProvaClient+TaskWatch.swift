public import ProvaCore

extension ProvaClient {
    /// The task's record now and after every change, until it reaches a terminal state (then the stream finishes).
    /// Driven by the task's event stream (each event re-reads the record); a slow poll every `pollInterval` covers
    /// a node without events or a missed one. Records equal to the previous one are not repeated.
    public func watchTask(_ id: TaskID, pollInterval: Duration = .seconds(5)) -> AsyncThrowingStream<TaskRecord, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TaskRecord.self)
        let watcher = Task { [self] in
            do {
                try await followTask(id, pollInterval: pollInterval) { continuation.yield($0) }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in watcher.cancel() }
        return stream
    }

    private func followTask(_ id: TaskID, pollInterval: Duration, deliver: @escaping @Sendable (TaskRecord) -> Void) async throws {
        // Events from this height on are replayed, so a change between this read and the subscription is not missed.
        let height = try await status().height
        var last = try await task(id)
        deliver(last)
        guard !last.state.isTerminal else { return }
        let (triggers, trigger) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                // A failing stream is not fatal: the poll below keeps the watch going.
                do { for try await _ in events(task: id, from: height) { trigger.yield() } } catch {}
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: pollInterval)
                    trigger.yield()
                }
            }
            for await _ in triggers {
                let record = try await task(id)
                if record != last {
                    last = record
                    deliver(record)
                }
                if record.state.isTerminal { break }
            }
            group.cancelAll()
        }
    }

    /// Waits until `condition` holds for the task's record, and returns that record. Throws `timeout` when `timeout`
    /// passes first, and `task_ended` when the task reaches a terminal state that does not satisfy `condition`.
    public func waitForTask(_ id: TaskID, until condition: @escaping @Sendable (TaskRecord) -> Bool = { $0.state.isTerminal },
                            timeout: Duration = .seconds(600), pollInterval: Duration = .seconds(5)) async throws -> TaskRecord {
        let timeoutError = ClientError(.timeout, "task \(id) did not reach the awaited state within \(timeout); follow it with `prova task watch \(id)`")
        return try await withTimeout(timeout, timeoutError) { [self] in
            var last: TaskRecord?
            for try await record in watchTask(id, pollInterval: pollInterval) {
                if condition(record) { return record }
                last = record
            }
            let state = last?.state.rawValue ?? "unknown"
            throw ClientError(.taskEnded, "task \(id) ended \(state)\(last?.failure.map { ": \($0)" } ?? "") without reaching the awaited state")
        }
    }
}

extension ProvaClient {
    /// Waits until the workflow is no longer running (completed, failed or cancelled) and returns it. Woken by the
    /// requester's events, with a poll every `pollInterval` as a safety net; `onChange` sees every new version.
    public func waitForWorkflow(_ id: WorkflowID, timeout: Duration = .seconds(3600), pollInterval: Duration = .seconds(5),
                                onChange: @escaping @Sendable (Workflow) -> Void = { _ in }) async throws -> Workflow {
        try await withTimeout(timeout, ClientError(.timeout, "workflow \(id) is still running after \(timeout); look at it with `prova workflow show \(id)`")) { [self] in
            let height = try await status().height
            var last = try await workflow(id)
            onChange(last)
            if last.state != .running { return last }
            let requester = last.requester
            let (triggers, trigger) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    // Workflow events name the requester; a failing stream is not fatal (the poll goes on).
                    do { for try await _ in events(account: requester, from: height) { trigger.yield() } } catch {}
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: pollInterval)
                        trigger.yield()
                    }
                }
                defer { group.cancelAll() }
                for await _ in triggers {
                    let record = try await workflow(id)
                    if record != last {
                        last = record
                        onChange(record)
                    }
                    if record.state != .running { return record }
                }
                throw CancellationError()
            }
        }
    }
}

/// Runs `operation`, throwing `error` if it has not finished after `duration` (the operation is then cancelled).
func withTimeout<Result: Sendable>(_ duration: Duration, _ error: ClientError,
                                   _ operation: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw error
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw CancellationError() }
        return result
    }
}
