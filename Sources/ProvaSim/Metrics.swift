import ProvaCore

/// What the simulator remembers about a task it submitted until the task ends.
struct TaskMeta: Sendable {
    var classIndex: Int
    var arrival: Milliseconds
    var submittedHeight: UInt64
    var assigned = false
    var raceDecided = false
    var isWorkflowStep = false
}

/// Counts and distributions of one task class.
public struct ClassStats: Sendable, Codable, Hashable {
    public var name: String
    public var submitted = 0
    public var verified = 0
    public var failed = 0
    public var expired = 0
    public var cancelled = 0
    /// Blocks from submission to the first assignment (tasks that never got one count the blocks they waited).
    public var queueBlocks: [Int32] = []
    /// Milliseconds from arrival (the user's send time) to the first verified proof.
    public var latencyMilliseconds: [Int64] = []

    public init(name: String) { self.name = name }
}

/// One row of the utilization time series.
public struct UtilizationSample: Sendable, Codable, Hashable {
    public var height: UInt64
    public var seconds: Double
    public var cpu: Double
    public var memory: Double
    public var gpu: Double
    /// Reserved capacity over declared capacity, each weighted by its list price (the headline figure).
    public var priced: Double
    public var openTasks: Int
    /// Tasks submitted and not yet assigned a prover.
    public var queued: Int
    public var transactions: Int
}

/// Everything the run measured, filled from the ledger's events block by block.
struct MetricsCollector: Sendable {
    var classes: [ClassStats]
    var samples: [UtilizationSample] = []
    var proverReward: [MicroCredits]
    var verifierReward: [MicroCredits]
    /// Stake taken from each worker for its duties as a verifier (a minority vote, a missed commitment or reveal).
    var verifierSlashed: [MicroCredits]
    /// Verifier duties each worker was drawn for.
    var verifierDuties: [Int]
    /// Decided invalid proofs: accepted (verified or accepted unverified) and rejected.
    var invalidAccepted = 0
    var lazyJailed = 0
    var invalidRejected = 0
    /// Pro-rata payments to racers that lost (cancelled after the winner delivered).
    var loserCompensation: MicroCredits = 0
    var escrowed: MicroCredits = 0
    var refunded: MicroCredits = 0
    var burned: MicroCredits = 0
    var slashed: MicroCredits = 0
    var fallbacks = 0
    var acceptanceMissed = 0
    var timedOut = 0
    var attemptsFailed = 0
    var proofsRejected = 0
    var jailed = 0
    var programStrikes = 0
    var verifierMisses = 0
    var assignments = 0
    var workflowsSubmitted = 0
    var workflowsCompleted = 0
    var workflowsFailed = 0
    var workflowLatency: [Int64] = []
    var rejectedByCode: [String: Int] = [:]
    var transactions = 0
    /// Σ winner bid × fee, for the auction's clearing price.
    var auctionClearing: Double = 0

    init(classNames: [String], workers: Int) {
        classes = classNames.map { ClassStats(name: $0) }
        proverReward = [MicroCredits](repeating: 0, count: workers)
        verifierReward = [MicroCredits](repeating: 0, count: workers)
        verifierSlashed = [MicroCredits](repeating: 0, count: workers)
        verifierDuties = [Int](repeating: 0, count: workers)
    }
}
