import ProvaCore
import ProvaSandbox

/// Keeps every result this worker sends inside the chain's size limit for `SubmitResult`.
///
/// A result the chain refuses is no result at all: the honest worker misses its deadline (a strike), its fallback does
/// the same, and the program's fault lands on the workers. So the bounds on what a run may leave in /output
/// (`WorkerConfiguration.maxOutputFiles`, `maxOutputPathBytes`) are checked at start-up against the worst result they
/// allow, and each result is measured before it is sent.
enum ResultSize {
    /// The chain's limit on a `SubmitResult`'s canonical body.
    static var limit: Int { TransactionBody.Kind.SubmitResult.sizeLimit }

    /// Bytes of the canonical encoding of `result` as a transaction body.
    static func bytes(_ result: SubmitResult) -> Int {
        (try? CanonicalJSON.encode(TransactionBody.submitResult(result)).count) ?? Int.max
    }

    /// The largest result the bounds allow: every file at the longest path and the largest size, both logs, the
    /// longest message made only of characters the encoding escapes six-fold.
    static func worstCase(maxFiles: Int, maxPathBytes: Int) -> Int {
        let digest = String(repeating: "f", count: 64)
        let outputs = (0..<maxFiles).map { index in
            OutputRef(path: String(repeating: "a", count: maxPathBytes), digest: digest + "\(index)", size: Limits.maxFileBytes)
        }
        let result = SubmitResult(
            task: digest, attempt: Int(Limits.maxAttempt), exitCode: Int32.min, timedOut: true, oomKilled: true, outputs: outputs,
            stdoutDigest: digest, stderrDigest: digest,
            usage: MeasuredUsage(wallMilliseconds: Limits.maxWallMilliseconds, cpuMilliseconds: Limits.maxCPUMilliseconds,
                                 peakMemoryBytes: Limits.maxMemoryBytes),
            message: String(repeating: "\u{1}", count: Limits.maxMessageLength))
        return bytes(result)
    }
}

/// Exit codes a worker reports for runs whose failure is not the program's own exit status.
enum ReportedExitCode {
    /// The worker could not run the program (an image or input that cannot be fetched).
    static let workerCouldNotRun: Int32 = -1
    /// The program exited 0 but broke a bound on its outputs: a failed run of the program.
    static let outputBoundBroken: Int32 = -2
}
