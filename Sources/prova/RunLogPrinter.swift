import Foundation
import ProvaClient
import ProvaCore

/// Prints runs' logs for people, and remembers which runs it has printed, so a follower prints each run once, when it
/// has reported.
final class RunLogPrinter: @unchecked Sendable {
    // @unchecked: the only state is behind `lock`.
    private let lock = NSLock()
    private var printed = Set<String>()

    /// The runs of `logs` that have reported (a result, a vote) and were not printed yet; marks them printed.
    func unprinted(_ logs: [RunLog]) -> [RunLog] {
        lock.withLock {
            logs.filter { log in
                guard log.exitReason != nil || log.vote != nil || log.note != nil && !isOpen(log) else { return false }
                // One run is printed once, when it has reported, whatever its attempt's state becomes afterwards.
                return printed.insert("\(log.attempt)/\(log.role.rawValue)/\(log.worker ?? "-")").inserted
            }
        }
    }

    private func isOpen(_ log: RunLog) -> Bool {
        ["assigned", "running", "delivered", "pending"].contains(log.state)
    }

    static func print(_ log: RunLog) {
        var header = "attempt \(log.attempt) · \(log.role.rawValue)"
        if let worker = log.worker { header += " · worker \(worker)" }
        header += " · \(log.state)"
        Swift.print(header)
        var rows: [(String, String?)] = [("  exit", log.exitReason), ("  vote", log.vote?.rawValue)]
        if let usage = log.usage {
            rows.append(("  usage", "wall \(ProgramCommand.seconds(usage.wallMilliseconds)) of a \(Units.formatDuration(log.timeLimitSeconds)) limit, "
                + "cpu \(ProgramCommand.seconds(usage.cpuMilliseconds)) on \(Units.formatCPU(log.requested.cpuMillicores)), "
                + "peak memory \(Units.formatBytes(usage.peakMemoryBytes)) of \(Units.formatBytes(log.requested.memoryBytes))"))
        }
        rows += [("  message", log.message), ("  failure", log.failure), ("  note", log.note)]
        Output.fields(rows)
        if log.role == .prover, log.exitReason != nil {
            section("stdout", log.stdout, digest: log.stdoutDigest)
            section("stderr", log.stderr, digest: log.stderrDigest)
        }
    }

    private static func section(_ name: String, _ text: String?, digest: String?) {
        guard let text, let digest else { return Swift.print("  --- \(name): empty ---") }
        Swift.print("  --- \(name) (\(text.utf8.count) bytes, sha256 \(digest.prefix(12))… checked) ---")
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
            Swift.print("  " + line)
        }
    }
}
