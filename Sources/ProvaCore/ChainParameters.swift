/// Every protocol constant, fixed at genesis (DESIGN §6 table and §4–§7 defaults).
public struct ChainParameters: Codable, Sendable, Hashable {
    public var prices: PriceSchedule
    /// Split of a paid fee, in basis points; the treasury also receives rounding remainders.
    public var proverShareBasisPoints: Int64
    public var verifierShareBasisPoints: Int64
    public var treasuryShareBasisPoints: Int64
    /// Optional network subsidy paid from the treasury (while it has funds) to a successful prover, in basis points of
    /// the slot fee — never when the prover is the requester, who would otherwise farm it with requests to itself.
    public var proverSubsidyBasisPoints: Int64

    public var minBlockIntervalMilliseconds: Milliseconds
    public var maxBlockIntervalMilliseconds: Milliseconds
    /// How far a block's timestamp may be ahead of the wall clock of the validator that receives it.
    public var maxClockDriftMilliseconds: Milliseconds
    public var maxBlockTransactions: Int
    /// docs/PROTOCOL.md "Proposers": how long each validator in a height's proposer order has before the next may
    /// propose. The validator at rank r proposes a block timestamped at least r × this after its parent.
    public var proposerTimeoutMilliseconds: Milliseconds

    public var acceptWindowMilliseconds: Milliseconds
    /// Added to the time limit for uploading outputs and submitting the result.
    public var uploadGraceMilliseconds: Milliseconds
    /// Added to the verifier's time limit for fetching, running and voting.
    public var voteGraceMilliseconds: Milliseconds
    /// Prover attempts per slot after acceptance: 2 means one fallback.
    public var maxAttempts: Int
    /// Verifiers drawn per attempt beyond the needed count (to replace ones that missed, or break a split) before the
    /// attempt is inconclusive.
    public var maxVerifierReplacements: Int
    /// Once every drawn verifier has committed (or missed), how long they have to reveal.
    public var revealWindowMilliseconds: Milliseconds
    /// From delivery: an attempt without a verdict by then (no verifier had room) fails with a full refund, nobody slashed.
    public var verificationTimeoutMilliseconds: Milliseconds
    /// Taken from the stake of a verifier whose revealed vote is against the majority, in basis points of its stake.
    public var minorityVoteSlashBasisPoints: Int64
    /// Taken from the stake of a verifier that never committed or never revealed, in basis points of its stake.
    public var missedVoteSlashBasisPoints: Int64
    /// A slot that finds no prover for this long fails and is refunded in full.
    public var maxPendingMilliseconds: Milliseconds
    public var programStrikeLimit: Int
    public var workerStrikeLimit: Int
    public var jailMilliseconds: Milliseconds
    public var minWorkerStake: MicroCredits
    /// Slash of a failed or lying prover, in basis points of the slot fee (funds the requester's refund).
    public var slashBasisPoints: Int64
    /// Refund to the requester when a fallback succeeds, in basis points of the slot fee.
    public var fallbackRefundBasisPoints: Int64
    public var exitDelayMilliseconds: Milliseconds
    /// Chance per block, in parts per million, that an idle active worker receives a capacity test.
    public var idleTestPartsPerMillion: Int64
    public var capacityTestTimeLimitSeconds: Seconds
    /// Fees an account may pay from the free tier per period (0 disables the free tier).
    public var freeTierAllowance: MicroCredits
    public var freeTierPeriodMilliseconds: Milliseconds
    /// Every transaction that is not free (`TransactionBody.Kind.isFree`) pays `transactionBaseFee` plus
    /// `transactionFeePerKiB` for each started KiB of its signed encoding, into the treasury.
    public var transactionBaseFee: MicroCredits
    public var transactionFeePerKiB: MicroCredits
    /// Held while a program or a prover set exists, returned when its owner retires it.
    public var programDeposit: MicroCredits
    public var proverSetDeposit: MicroCredits

    public init(prices: PriceSchedule = .genesis, proverShareBasisPoints: Int64 = 8_500, verifierShareBasisPoints: Int64 = 1_000,
                treasuryShareBasisPoints: Int64 = 500, proverSubsidyBasisPoints: Int64 = 0, minBlockIntervalMilliseconds: Milliseconds = 100,
                maxBlockIntervalMilliseconds: Milliseconds = 1_000, maxClockDriftMilliseconds: Milliseconds = 2_000, maxBlockTransactions: Int = 20_000,
                proposerTimeoutMilliseconds: Milliseconds = 1_000,
                acceptWindowMilliseconds: Milliseconds = 3_000, uploadGraceMilliseconds: Milliseconds = 30_000,
                voteGraceMilliseconds: Milliseconds = 30_000, maxAttempts: Int = 2, maxVerifierReplacements: Int = 3,
                revealWindowMilliseconds: Milliseconds = 10_000, verificationTimeoutMilliseconds: Milliseconds = 600_000,
                minorityVoteSlashBasisPoints: Int64 = 1_000, missedVoteSlashBasisPoints: Int64 = 10,
                maxPendingMilliseconds: Milliseconds = 600_000, programStrikeLimit: Int = 3, workerStrikeLimit: Int = 3,
                jailMilliseconds: Milliseconds = 600_000, minWorkerStake: MicroCredits = 100 * MicroCredit.perCredit,
                slashBasisPoints: Int64 = 5_000, fallbackRefundBasisPoints: Int64 = 5_000, exitDelayMilliseconds: Milliseconds = 600_000,
                idleTestPartsPerMillion: Int64 = 100, capacityTestTimeLimitSeconds: Seconds = 120,
                freeTierAllowance: MicroCredits = 0, freeTierPeriodMilliseconds: Milliseconds = 30 * 24 * 3_600_000,
                transactionBaseFee: MicroCredits = 1_000, transactionFeePerKiB: MicroCredits = 100,
                programDeposit: MicroCredits = MicroCredit.perCredit, proverSetDeposit: MicroCredits = MicroCredit.perCredit) {
        self.prices = prices
        self.proverShareBasisPoints = proverShareBasisPoints
        self.verifierShareBasisPoints = verifierShareBasisPoints
        self.treasuryShareBasisPoints = treasuryShareBasisPoints
        self.proverSubsidyBasisPoints = proverSubsidyBasisPoints
        self.minBlockIntervalMilliseconds = minBlockIntervalMilliseconds
        self.maxBlockIntervalMilliseconds = maxBlockIntervalMilliseconds
        self.maxClockDriftMilliseconds = maxClockDriftMilliseconds
        self.maxBlockTransactions = maxBlockTransactions
        self.proposerTimeoutMilliseconds = proposerTimeoutMilliseconds
        self.acceptWindowMilliseconds = acceptWindowMilliseconds
        self.uploadGraceMilliseconds = uploadGraceMilliseconds
        self.voteGraceMilliseconds = voteGraceMilliseconds
        self.maxAttempts = maxAttempts
        self.maxVerifierReplacements = maxVerifierReplacements
        self.revealWindowMilliseconds = revealWindowMilliseconds
        self.verificationTimeoutMilliseconds = verificationTimeoutMilliseconds
        self.minorityVoteSlashBasisPoints = minorityVoteSlashBasisPoints
        self.missedVoteSlashBasisPoints = missedVoteSlashBasisPoints
        self.maxPendingMilliseconds = maxPendingMilliseconds
        self.programStrikeLimit = programStrikeLimit
        self.workerStrikeLimit = workerStrikeLimit
        self.jailMilliseconds = jailMilliseconds
        self.minWorkerStake = minWorkerStake
        self.slashBasisPoints = slashBasisPoints
        self.fallbackRefundBasisPoints = fallbackRefundBasisPoints
        self.exitDelayMilliseconds = exitDelayMilliseconds
        self.idleTestPartsPerMillion = idleTestPartsPerMillion
        self.capacityTestTimeLimitSeconds = capacityTestTimeLimitSeconds
        self.freeTierAllowance = freeTierAllowance
        self.freeTierPeriodMilliseconds = freeTierPeriodMilliseconds
        self.transactionBaseFee = transactionBaseFee
        self.transactionFeePerKiB = transactionFeePerKiB
        self.programDeposit = programDeposit
        self.proverSetDeposit = proverSetDeposit
    }

    public static let genesisDefaults = ChainParameters()

    /// The fee a transaction of `kind` and `size` bytes pays (0 for free kinds).
    public func transactionFee(_ kind: TransactionBody.Kind, size: Int) -> MicroCredits {
        guard !kind.isFree else { return 0 }
        // Sizes are bounded by the kind's limit (≤ 256 KiB) and both prices by `maxUnitPrice`: no overflow.
        return transactionBaseFee + transactionFeePerKiB * Int64((size + 1_023) / 1_024)
    }

    /// The largest unit price (µcr per core-hour, GiB-hour or GPU-hour): a million credits.
    public static let maxUnitPrice: MicroCredits = 1_000_000_000_000

    public func validate() throws {
        guard proverShareBasisPoints >= 0, verifierShareBasisPoints >= 0, treasuryShareBasisPoints >= 0,
              proverShareBasisPoints + verifierShareBasisPoints + treasuryShareBasisPoints == 10_000 else {
            throw ProvaCoreError(.badParameters, "fee shares must be non-negative and add up to 10000 basis points")
        }
        guard maxAttempts >= 1, programStrikeLimit >= 1, workerStrikeLimit >= 1, maxBlockTransactions >= 1 else {
            throw ProvaCoreError(.badParameters, "maxAttempts, strike limits and maxBlockTransactions must be at least 1")
        }
        guard minBlockIntervalMilliseconds >= 0, maxBlockIntervalMilliseconds >= minBlockIntervalMilliseconds, acceptWindowMilliseconds > 0 else {
            throw ProvaCoreError(.badParameters, "block intervals must satisfy 0 <= min <= max and acceptWindow must be positive")
        }
        guard [slashBasisPoints, fallbackRefundBasisPoints, proverSubsidyBasisPoints, minorityVoteSlashBasisPoints, missedVoteSlashBasisPoints]
                .allSatisfy({ (0...10_000).contains($0) }), (0...1_000_000).contains(idleTestPartsPerMillion) else {
            throw ProvaCoreError(.badParameters, "basis points must be 0...10000 and idleTestPartsPerMillion 0...1000000")
        }
        // Bounds that keep every sum and product of block times and fees inside 64 bits (docs/PROTOCOL.md "Bounds").
        let day: Milliseconds = 86_400_000
        let checks: [(String, Int64, ClosedRange<Int64>)] = [
            ("prices.cpuCoreHour", prices.cpuCoreHour, 0...Self.maxUnitPrice), ("prices.memoryGiBHour", prices.memoryGiBHour, 0...Self.maxUnitPrice),
            ("prices.gpuHour", prices.gpuHour, 0...Self.maxUnitPrice),
            ("maxBlockIntervalMilliseconds", maxBlockIntervalMilliseconds, 0...day), ("maxClockDriftMilliseconds", maxClockDriftMilliseconds, 0...day), ("maxBlockTransactions", Int64(maxBlockTransactions), 1...10_000_000),
            ("proposerTimeoutMilliseconds", proposerTimeoutMilliseconds, 1...day),
            ("acceptWindowMilliseconds", acceptWindowMilliseconds, 1...day), ("uploadGraceMilliseconds", uploadGraceMilliseconds, 0...day),
            ("voteGraceMilliseconds", voteGraceMilliseconds, 0...day), ("maxAttempts", Int64(maxAttempts), 1...100),
            ("maxVerifierReplacements", Int64(maxVerifierReplacements), 0...100),
            ("revealWindowMilliseconds", revealWindowMilliseconds, 1...day), ("verificationTimeoutMilliseconds", verificationTimeoutMilliseconds, 1...(30 * day)), ("maxPendingMilliseconds", maxPendingMilliseconds, 0...(30 * day)),
            ("programStrikeLimit", Int64(programStrikeLimit), 1...1_000_000_000), ("workerStrikeLimit", Int64(workerStrikeLimit), 1...1_000_000_000),
            ("jailMilliseconds", jailMilliseconds, 0...(365 * day)), ("minWorkerStake", minWorkerStake, 0...Limits.maxSupply),
            ("exitDelayMilliseconds", exitDelayMilliseconds, 0...(365 * day)),
            ("capacityTestTimeLimitSeconds", capacityTestTimeLimitSeconds, 1...Limits.maxTimeLimitSeconds),
            ("freeTierAllowance", freeTierAllowance, 0...Limits.maxSupply), ("freeTierPeriodMilliseconds", freeTierPeriodMilliseconds, 1...(3_650 * day)),
            ("transactionBaseFee", transactionBaseFee, 0...Self.maxUnitPrice), ("transactionFeePerKiB", transactionFeePerKiB, 0...Self.maxUnitPrice),
            ("programDeposit", programDeposit, 0...Limits.maxSupply), ("proverSetDeposit", proverSetDeposit, 0...Limits.maxSupply),
        ]
        for (name, value, range) in checks where !range.contains(value) {
            throw ProvaCoreError(.badParameters, "\(name) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
    }
}
