/// Resource limits of one sandboxed run. Units are single and explicit: millicores, bytes, seconds.
public struct RunLimits: Sendable, Codable, Equatable {
    /// CPU quota in millicores (1000 = one core), enforced as a CFS quota.
    public var cpuMillicores: Int64
    /// Memory limit in bytes, with no swap. Pages written to /tmp, /output and /dev/shm count too.
    public var memoryBytes: Int64
    /// Maximum number of processes and threads in the container.
    public var pids: Int
    /// Wall-clock limit; after it the program gets SIGTERM, then SIGKILL after `killGraceSeconds`.
    public var timeLimitSeconds: Int64
    public var killGraceSeconds: Int64
    /// Size of the /output file system.
    public var outputBytesLimit: Int64
    /// Size of the /tmp file system.
    public var tmpBytesLimit: Int64
    /// How many bytes of stdout and of stderr are kept (each); the digests still cover everything.
    public var logBytesLimit: Int64
    /// At most this many regular files may be left in /output; more is a failed run (`OutputViolation`).
    public var maxOutputFiles: Int
    /// At most this many bytes in an output's path relative to /output.
    public var maxOutputPathBytes: Int

    /// Defaults small enough that a result listing every output of a run always fits one `SubmitResult`.
    public static let defaultMaxOutputFiles = 200
    public static let defaultMaxOutputPathBytes = 128

    public init(
        cpuMillicores: Int64,
        memoryBytes: Int64,
        pids: Int,
        timeLimitSeconds: Int64,
        killGraceSeconds: Int64 = 2,
        outputBytesLimit: Int64,
        tmpBytesLimit: Int64,
        logBytesLimit: Int64,
        maxOutputFiles: Int = RunLimits.defaultMaxOutputFiles,
        maxOutputPathBytes: Int = RunLimits.defaultMaxOutputPathBytes
    ) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.timeLimitSeconds = timeLimitSeconds
        self.killGraceSeconds = killGraceSeconds
        self.outputBytesLimit = outputBytesLimit
        self.tmpBytesLimit = tmpBytesLimit
        self.logBytesLimit = logBytesLimit
        self.maxOutputFiles = maxOutputFiles
        self.maxOutputPathBytes = maxOutputPathBytes
    }

    /// Throws `invalid_spec` for limits that the kernel would read as "unlimited" (a tmpfs of size 0)
    /// or that cannot be enforced.
    func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw SandboxError.invalidSpec(message) }
        }
        try require(cpuMillicores >= 10, "cpuMillicores must be at least 10 (got \(cpuMillicores))")
        try require(memoryBytes >= 4 << 20, "memoryBytes must be at least 4 MiB (got \(memoryBytes))")
        try require(pids >= 1, "pids must be at least 1 (got \(pids))")
        try require(timeLimitSeconds >= 1, "timeLimitSeconds must be at least 1 (got \(timeLimitSeconds))")
        try require(killGraceSeconds >= 0, "killGraceSeconds must not be negative (got \(killGraceSeconds))")
        try require(outputBytesLimit >= 1, "outputBytesLimit must be positive (got \(outputBytesLimit))")
        try require(tmpBytesLimit >= 1, "tmpBytesLimit must be positive (got \(tmpBytesLimit))")
        try require(logBytesLimit >= 0, "logBytesLimit must not be negative (got \(logBytesLimit))")
        try require(maxOutputFiles >= 1, "maxOutputFiles must be at least 1 (got \(maxOutputFiles))")
        try require(maxOutputPathBytes >= 1, "maxOutputPathBytes must be at least 1 (got \(maxOutputPathBytes))")
    }
}
