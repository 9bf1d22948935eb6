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

    public init(
        cpuMillicores: Int64,
        memoryBytes: Int64,
        pids: Int,
        timeLimitSeconds: Int64,
        killGraceSeconds: Int64 = 2,
        outputBytesLimit: Int64,
        tmpBytesLimit: Int64,
        logBytesLimit: Int64
    ) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.timeLimitSeconds = timeLimitSeconds
        self.killGraceSeconds = killGraceSeconds
        self.outputBytesLimit = outputBytesLimit
        self.tmpBytesLimit = tmpBytesLimit
        self.logBytesLimit = logBytesLimit
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
    }
}
