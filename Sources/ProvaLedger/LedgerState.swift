public import ProvaCore

/// Everything the chain knows after some block. A value: copying it is cheap until one copy changes,
/// and two states compare equal exactly when they hold the same records.
public struct LedgerState: Sendable, Equatable {
    public internal(set) var chainID: String
    public internal(set) var genesisHash: String
    public internal(set) var parameters: ChainParameters
    public internal(set) var authority: Address
    public internal(set) var capacityTestProgram: ProgramID

    public internal(set) var height: UInt64
    public internal(set) var lastBlockHash: String
    /// The last block's beacon (the genesis beacon before block 1): what the next block's beacon is proved over.
    public internal(set) var lastBeacon: String
    /// The public keys of the validators that may propose (from the genesis).
    public internal(set) var validators: [String]
    public internal(set) var lastTimestampMilliseconds: Milliseconds
    public internal(set) var stateDigest: String

    public internal(set) var accounts: [Address: Account] = [:]
    public internal(set) var programs: [ProgramID: Program] = [:]
    public internal(set) var tasks: [TaskID: TaskRecord] = [:]
    public internal(set) var workers: [Address: Worker] = [:]
    public internal(set) var proverSets: [String: ProverSet] = [:]
    public internal(set) var workflows: [WorkflowID: Workflow] = [:]
    public internal(set) var totals = Totals()

    /// Workflows still running.
    var openWorkflows: [WorkflowID] = []
    /// The drawable workers, the one population every draw samples (`CandidateIndex`); rebuilt when a worker's status,
    /// capacity or prover sets change, kept current in place as capacity is reserved and released.
    var candidates = CandidateIndex()
    var candidatesAreStale = true
    /// Counts rebuilds of the index, so a rollback across a rebuild knows to rebuild it again.
    var candidatesGeneration = 0
    /// Capacities not dominated by another active worker's: a request fits some worker iff it fits one of these.
    var capacityFrontier: [Resources] = []
    /// Number of active workers whose declared capacity fits some resources; cleared with the candidates.
    var fitCounts: [Resources: Int] = [:]
    /// Jailed and exiting workers, sorted: the end-of-block work checks only these for release.
    var jailedOrExiting: [Address] = []
    /// The keys of the records changed by the block being applied (journaled like the records themselves), for the
    /// state digest and the store.
    var changes = StateChanges()

    public struct Totals: Sendable, Equatable, Codable {
        public internal(set) var minted: MicroCredits = 0
        public internal(set) var treasury: MicroCredits = 0
        public internal(set) var burned: MicroCredits = 0
        public internal(set) var tasksSubmitted: Int64 = 0
        public internal(set) var tasksVerified: Int64 = 0
        public internal(set) var tasksFailed: Int64 = 0
        public internal(set) var fallbacks: Int64 = 0

        public init(minted: MicroCredits = 0, treasury: MicroCredits = 0, burned: MicroCredits = 0, tasksSubmitted: Int64 = 0,
                    tasksVerified: Int64 = 0, tasksFailed: Int64 = 0, fallbacks: Int64 = 0) {
            self.minted = minted; self.treasury = treasury; self.burned = burned; self.tasksSubmitted = tasksSubmitted
            self.tasksVerified = tasksVerified; self.tasksFailed = tasksFailed; self.fallbacks = fallbacks
        }
    }

    public static func == (lhs: LedgerState, rhs: LedgerState) -> Bool {
        lhs.chainID == rhs.chainID && lhs.height == rhs.height && lhs.lastBlockHash == rhs.lastBlockHash && lhs.lastBeacon == rhs.lastBeacon
            && lhs.stateDigest == rhs.stateDigest && lhs.lastTimestampMilliseconds == rhs.lastTimestampMilliseconds
            && lhs.accounts == rhs.accounts && lhs.programs == rhs.programs && lhs.tasks == rhs.tasks
            && lhs.workers == rhs.workers && lhs.proverSets == rhs.proverSets && lhs.workflows == rhs.workflows
            && lhs.totals == rhs.totals && lhs.openWorkflows == rhs.openWorkflows
    }

    /// The conservation invariant's terms (DESIGN §6).
    public func supply() -> Supply {
        var balances: MicroCredits = 0
        for account in accounts.values { balances += account.balance }
        var escrow: MicroCredits = 0
        for task in tasks.values { escrow += task.escrow }
        for workflow in workflows.values { escrow += workflow.escrow }
        var stakes: MicroCredits = 0
        for worker in workers.values { stakes += worker.stake }
        var deposits: MicroCredits = 0
        for program in programs.values { deposits += program.deposit }
        for set in proverSets.values { deposits += set.deposit }
        return Supply(minted: totals.minted, treasury: totals.treasury, burned: totals.burned, balances: balances, escrow: escrow, stakes: stakes,
                      deposits: deposits)
    }

    /// The chain every transaction must be signed for.
    public var chain: ChainIdentity { ChainIdentity(chainID: chainID, genesisHash: genesisHash) }

    public func balance(of address: Address) -> MicroCredits { accounts[address]?.balance ?? 0 }
    public func nonce(of address: Address) -> UInt64 { accounts[address]?.nonce ?? 0 }
    /// Tasks not yet finished, in creation order (a scan of every task: for tests and tools).
    public var openTaskIDs: [TaskID] {
        tasks.values.filter { !$0.slots.allSatisfy(\.state.isTerminal) }.sorted { $0.sequence < $1.sequence }.map(\.id)
    }
}
