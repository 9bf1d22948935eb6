public import Foundation

/// One file the program left in /output.
public struct OutputFile: Sendable, Codable, Equatable {
    /// Path relative to /output, "/"-separated.
    public var path: String
    public var size: Int64
    /// Lowercase hex SHA-256 of the content.
    public var sha256: String

    public init(path: String, size: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
    }
}

/// What happened in one run. Usage figures come from the container's cgroup.
public struct RunResult: Sendable, Codable, Equatable {
    /// The program's exit status; 128 + signal when it was killed (137 after SIGKILL).
    public var exitCode: Int32
    public var timedOut: Bool
    public var oomKilled: Bool
    public var wallMilliseconds: Int64
    public var cpuMilliseconds: Int64
    public var peakMemoryBytes: Int64
    /// The first `logBytesLimit` bytes of stdout.
    public var stdout: Data
    public var stdoutTruncated: Bool
    /// Digest over everything printed, not only the kept part.
    public var stdoutSHA256: String
    public var stderr: Data
    public var stderrTruncated: Bool
    public var stderrSHA256: String
    /// Regular files left in /output, sorted by path. Symlinks and special files are ignored.
    public var outputs: [OutputFile]
    /// /output filled up: some writes failed with "no space left".
    public var outputLimitExceeded: Bool
    /// The outputs broke a bound of `RunLimits` (too many files, a path too long, a bad name); `outputs` is then empty.
    /// Such a run is the program's failure, whatever its exit code.
    public var outputViolation: OutputViolation?

    /// Why the outputs cannot be the run's result, counting a full /output; nil when they can.
    public func outputFailure(limits: RunLimits) -> OutputViolation? {
        outputViolation ?? (outputLimitExceeded ? .full(limitBytes: limits.outputBytesLimit) : nil)
    }

    public init(
        exitCode: Int32, timedOut: Bool, oomKilled: Bool, wallMilliseconds: Int64, cpuMilliseconds: Int64,
        peakMemoryBytes: Int64, stdout: Data, stdoutTruncated: Bool, stdoutSHA256: String, stderr: Data,
        stderrTruncated: Bool, stderrSHA256: String, outputs: [OutputFile], outputLimitExceeded: Bool,
        outputViolation: OutputViolation? = nil
    ) {
        self.exitCode = exitCode
        self.timedOut = timedOut
        self.oomKilled = oomKilled
        self.wallMilliseconds = wallMilliseconds
        self.cpuMilliseconds = cpuMilliseconds
        self.peakMemoryBytes = peakMemoryBytes
        self.stdout = stdout
        self.stdoutTruncated = stdoutTruncated
        self.stdoutSHA256 = stdoutSHA256
        self.stderr = stderr
        self.stderrTruncated = stderrTruncated
        self.stderrSHA256 = stderrSHA256
        self.outputs = outputs
        self.outputLimitExceeded = outputLimitExceeded
        self.outputViolation = outputViolation
    }
}
