public import ProvaCore

/// How provers are chosen. `random` is the protocol; the others are for comparison only.
public enum Mechanism: String, Sendable, Codable, CaseIterable {
    /// Random among workers with room (DESIGN §5 with the ledger's tiered placement): the protocol.
    case random
    /// One uniform draw among every worker with room: DESIGN §5 as first written, without tiers or the tighter-fit choice.
    case uniform
    /// Stake-weighted lottery: a worker with room is drawn with probability proportional to its stake.
    case stake
    /// Lowest-bid reverse auction: the worker with room whose operator bids lowest wins.
    case auction
    /// Proof racing: k workers run every job; the first to deliver wins and the others are cancelled.
    case race
}

/// What fraction of assignments go wrong, and how.
public struct FailureMix: Sendable, Codable, Hashable {
    /// Chance that one prover assignment goes wrong, averaged over the fleet (each worker scales it by its multiplier).
    public var rate: Double
    /// Relative weights of the ways it goes wrong.
    public var silence: Double
    public var timeout: Double
    public var failure: Double
    public var wrongProof: Double

    public init(rate: Double, silence: Double = 0.25, timeout: Double = 0.15, failure: Double = 0.35, wrongProof: Double = 0.25) {
        self.rate = rate; self.silence = silence; self.timeout = timeout; self.failure = failure; self.wrongProof = wrongProof
    }
}

/// Everything one simulation run depends on: same configuration and seed, same run.
public struct SimConfig: Sendable, Codable, Hashable {
    public var workers: Int
    public var operators: Int
    /// Ledger tasks to submit (a workflow counts its steps; a redundant request counts once).
    public var tasks: Int
    /// Offered load: expected reservations over declared capacity, in (0, 1.5].
    public var load: Double
    public var mechanism: Mechanism
    public var failures: FailureMix
    public var seed: UInt64
    public var blockIntervalMilliseconds: Milliseconds
    /// Provers per job under `race`.
    public var raceProvers: Int64
    /// Verifiers per attempt (DESIGN default 3).
    public var verifiers: Int64
    /// Run time as a fraction of the time limit, drawn uniformly in this range before the worker's speed applies.
    public var runFractionLow: Double
    public var runFractionHigh: Double
    /// Stop draining this long after the last arrival (ms); tasks still open then are counted unfulfilled.
    public var drainLimitMilliseconds: Milliseconds
    /// Check conservation and capacity invariants after every block (slow: for tests).
    public var checkInvariants: Bool
    public var classes: [TaskClass]
    /// False for a CPU-only network: no GPU nodes in the fleet and no GPU classes in the mix.
    public var gpus: Bool
    /// Share of the workers that, as verifiers, commit `valid` at once without running anything.
    public var lazyVerifiers: Double
    /// Share of delivered proofs that are invalid (on top of the failure mix's wrong proofs).
    public var invalidProofs: Double

    public init(workers: Int = 10_000, operators: Int = 200, tasks: Int = 1_000_000, load: Double = 0.95, mechanism: Mechanism = .random,
                failureRate: Double = 0.02, seed: UInt64 = 1, blockIntervalMilliseconds: Milliseconds = 1_000, raceProvers: Int64 = 3,
                verifiers: Int64 = 3, runFractionLow: Double = 0.7, runFractionHigh: Double = 0.95, drainLimitMilliseconds: Milliseconds = 1_800_000,
                checkInvariants: Bool = false, classes: [TaskClass] = TaskClass.standardMix, gpus: Bool = true,
                lazyVerifiers: Double = 0, invalidProofs: Double = 0) {
        self.workers = workers; self.operators = operators; self.tasks = tasks; self.load = load; self.mechanism = mechanism
        self.failures = FailureMix(rate: failureRate); self.seed = seed; self.blockIntervalMilliseconds = blockIntervalMilliseconds
        self.raceProvers = raceProvers; self.verifiers = verifiers; self.runFractionLow = runFractionLow; self.runFractionHigh = runFractionHigh
        self.drainLimitMilliseconds = drainLimitMilliseconds; self.checkInvariants = checkInvariants
        self.classes = gpus ? classes : classes.filter { !$0.usesGPU }; self.gpus = gpus
        self.lazyVerifiers = lazyVerifiers; self.invalidProofs = invalidProofs
    }

    public func validate() throws {
        guard workers >= 4 else { throw SimError(.badConfig, "--workers must be at least 4 (verifiers are drawn from the other workers)") }
        guard operators >= 1, operators <= workers else { throw SimError(.badConfig, "--operators must be between 1 and --workers (\(workers))") }
        guard tasks >= 1 else { throw SimError(.badConfig, "--tasks must be at least 1") }
        guard load > 0, load <= 1.5 else { throw SimError(.badConfig, "--load must be in (0, 1.5]; 0.95 means 95 % of declared capacity is asked for") }
        guard failures.rate >= 0, failures.rate <= 0.5 else { throw SimError(.badConfig, "--failure-rate must be between 0 and 0.5") }
        guard lazyVerifiers >= 0, lazyVerifiers <= 0.9 else { throw SimError(.badConfig, "--lazy-verifiers must be between 0 and 0.9") }
        guard invalidProofs >= 0, invalidProofs <= 0.5 else { throw SimError(.badConfig, "--invalid-proofs must be between 0 and 0.5") }
        guard blockIntervalMilliseconds >= 100 else { throw SimError(.badConfig, "the block interval must be at least 100 ms") }
        guard (1...8).contains(raceProvers) else { throw SimError(.badConfig, "--race-provers must be between 1 and 8 (the ledger's redundancy limit)") }
        guard (0...15).contains(verifiers) else { throw SimError(.badConfig, "--verifiers must be between 0 and 15") }
        guard runFractionLow > 0, runFractionLow <= runFractionHigh, runFractionHigh < 1 else {
            throw SimError(.badConfig, "run fractions must satisfy 0 < low <= high < 1 (runs end inside their time limit)")
        }
        guard !classes.isEmpty, classes.allSatisfy({ $0.weight >= 0 && $0.timeLimitSeconds > 0 && (1...8).contains($0.redundancy) }) else {
            throw SimError(.badConfig, "every task class needs a non-negative weight, a positive time limit and redundancy 1...8")
        }
    }
}
