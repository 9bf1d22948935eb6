/// `GET /v1/programs/{id}/stats`: how a program's recent tasks went — outcomes, why runs failed, and what the runs
/// measured against what was requested — with a suggestion of resources and time limit for the next request.

/// The median, 90th percentile and largest of a measured quantity over a program's successful runs.
public struct UsageSummary: Codable, Sendable, Hashable {
    public var median: Int64
    public var p90: Int64
    public var max: Int64

    public init(median: Int64, p90: Int64, max: Int64) { self.median = median; self.p90 = p90; self.max = max }

    /// Nearest-rank summary of `values`; nil when there are none.
    public init?(_ values: [Int64]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ percent: Int) -> Int64 {
            let index = Swift.max((percent * sorted.count + 99) / 100 - 1, 0)
            return sorted[Swift.min(index, sorted.count - 1)]
        }
        self.init(median: rank(50), p90: rank(90), max: sorted[sorted.count - 1])
    }
}

/// What to ask for next time, from the measured runs: headroom over the largest run, more when runs were killed.
public struct ResourceSuggestion: Codable, Sendable, Hashable {
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    /// Why these numbers, in words ("1.5 × the longest of 12 runs (41 s)…").
    public var basis: String

    public init(resources: Resources, timeLimitSeconds: Seconds, basis: String) {
        self.resources = resources; self.timeLimitSeconds = timeLimitSeconds; self.basis = basis
    }
}

public struct ProgramStatistics: Codable, Sendable, Hashable {
    public var program: ProgramID
    public var name: String
    /// Lifetime counters of the program record.
    public var tasksRequested: Int64
    public var tasksVerified: Int64
    public var tasksFailed: Int64
    /// How many of the program's newest tasks the figures below cover (`?limit=`).
    public var tasksConsidered: Int
    public var tasksByState: [String: Int]
    /// Prover runs that reported a result, and how many of them exited 0 within their limits.
    public var runs: Int
    public var runsSucceeded: Int
    /// Failed attempts by reason: `out of memory`, `time limit`, `exit code N`, `proof rejected`, `no result`, `could not start`.
    public var failuresByReason: [String: Int]
    /// Over successful runs: wall time and CPU time in milliseconds, peak memory in bytes.
    public var wallMilliseconds: UsageSummary?
    public var cpuMilliseconds: UsageSummary?
    public var peakMemoryBytes: UsageSummary?
    /// What those runs asked for (the median request).
    public var requested: Resources?
    public var requestedTimeLimitSeconds: Seconds?
    /// Median run time as a percentage of its time limit, and median peak memory as a percentage of the memory asked.
    public var timeUsedPercent: Int64?
    public var memoryUsedPercent: Int64?
    /// Nil until at least one run succeeded.
    public var suggestion: ResourceSuggestion?

    public init(program: ProgramID, name: String, tasksRequested: Int64, tasksVerified: Int64, tasksFailed: Int64, tasksConsidered: Int,
                tasksByState: [String: Int], runs: Int, runsSucceeded: Int, failuresByReason: [String: Int], wallMilliseconds: UsageSummary?,
                cpuMilliseconds: UsageSummary?, peakMemoryBytes: UsageSummary?, requested: Resources?, requestedTimeLimitSeconds: Seconds?,
                timeUsedPercent: Int64?, memoryUsedPercent: Int64?, suggestion: ResourceSuggestion?) {
        self.program = program; self.name = name; self.tasksRequested = tasksRequested; self.tasksVerified = tasksVerified
        self.tasksFailed = tasksFailed; self.tasksConsidered = tasksConsidered; self.tasksByState = tasksByState; self.runs = runs
        self.runsSucceeded = runsSucceeded; self.failuresByReason = failuresByReason; self.wallMilliseconds = wallMilliseconds
        self.cpuMilliseconds = cpuMilliseconds; self.peakMemoryBytes = peakMemoryBytes; self.requested = requested
        self.requestedTimeLimitSeconds = requestedTimeLimitSeconds; self.timeUsedPercent = timeUsedPercent
        self.memoryUsedPercent = memoryUsedPercent; self.suggestion = suggestion
    }
}
