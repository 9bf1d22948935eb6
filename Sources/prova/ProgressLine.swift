import Foundation
import ProvaClient
import ProvaCore

/// Live progress of a task: one rewritten line on a terminal, plain lines (one per change) when piped.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: the only state is behind `lock`.
    private let lock = NSLock()
    private var progress: TaskProgress?
    private var lastPlain = ""
    /// A live line is drawn and not yet ended.
    private var open = false
    private let live: Bool

    init(live: Bool = Output.stdoutIsTerminal) { self.live = live }

    /// Shows a new version of the task.
    func update(_ task: TaskRecord) {
        lock.withLock {
            progress = TaskProgress(task)
            render()
        }
    }

    /// Re-renders the current line, so elapsed time moves on a terminal between events.
    func tick() {
        lock.withLock { if live { render() } }
    }

    /// Ends the live line so later output starts on a fresh one.
    func finish() {
        lock.withLock {
            if live, open { print("") }
            open = false
        }
    }

    private func render() {
        guard let progress else { return }
        let now = Milliseconds(Date().timeIntervalSince1970 * 1000)
        if live {
            print("\r\u{1B}[2K" + Self.describe(progress, now: now, withElapsed: true), terminator: "")
            open = true
            fflush(nil)  // all streams: `stdout` is a C global Swift 6 will not touch
        } else {
            // Piped: a line per change of phase, worker, votes or money — not per second.
            let line = Self.describe(progress, now: now, withElapsed: false)
            if line != lastPlain {
                lastPlain = line
                print(line)
                fflush(nil)  // all streams: `stdout` is a C global Swift 6 will not touch
            }
        }
    }

    static func describe(_ progress: TaskProgress, now: Milliseconds, withElapsed: Bool) -> String {
        var parts = [phase(progress)]
        if let worker = progress.worker { parts.append("worker \(Output.short(worker))") }
        if progress.attempts > 1, let attempt = progress.attempt { parts.append("attempt \(attempt)") }
        let limit = Output.clock(milliseconds: progress.timeLimitSeconds * 1000)
        if withElapsed, let elapsed = progress.elapsedMilliseconds(now: now) {
            parts.append("\(Output.clock(milliseconds: elapsed)) / \(limit)")
        } else {
            parts.append("limit \(limit)")
        }
        if progress.votesNeeded > 0 { parts.append("votes \(progress.votes)/\(progress.votesNeeded)") }
        parts.append("fee \(Units.formatCredits(progress.fee)) cr")
        if progress.refunded > 0 { parts.append("refund \(Units.formatCredits(progress.refunded)) cr") }
        if let failure = progress.failure, progress.state.isTerminal, !progress.state.isAccepted { parts.append(failure) }
        return parts.joined(separator: " · ")
    }

    static func phase(_ progress: TaskProgress) -> String {
        switch progress.state {
        case .pending: "pending (waiting for a prover)"
        case .assigned: "assigned (waiting for the prover to accept)"
        case .running: "proving"
        case .delivered: "delivered, verifying"
        case .verified: "verified ✔"
        case .acceptedUnverified: "accepted unverified (fewer verifiers than requested could be drawn)"
        case .failed: "failed ✘"
        case .cancelled: "cancelled"
        case .expired: "expired ✘"
        }
    }
}

/// Follows a task until it is terminal, drawing progress; returns the final record. `onChange` sees every new version
/// before the line is redrawn (it may print, after ending the line with `finish()`).
func watchWithProgress(_ client: ProvaClient, task id: TaskID, showProgress: Bool,
                       onChange: (TaskRecord, ProgressLine) async throws -> Void = { _, _ in }) async throws -> TaskRecord {
    let line = ProgressLine()
    let ticker = Task {
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(1))
            if showProgress { line.tick() }
        }
    }
    defer {
        ticker.cancel()
        if showProgress { line.finish() }
    }
    var last: TaskRecord?
    for try await record in client.watchTask(id) {
        last = record
        try await onChange(record, line)
        if showProgress { line.update(record) }
    }
    guard let last else { throw ClientError(.taskEnded, "task \(id) could not be read") }
    return last
}
