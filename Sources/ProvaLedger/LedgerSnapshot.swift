public import ProvaCore

/// Everything needed to resume a ledger without replaying blocks: the records and the chain position.
/// A store writes the changed records with each block and reads them all back on start.
public struct LedgerSnapshot: Sendable {
    public var height: UInt64
    public var lastBlockHash: String
    public var lastBeacon: String
    public var lastTimestampMilliseconds: Milliseconds
    public var stateDigest: String
    public var totals: LedgerState.Totals
    public var accounts: [Account]
    public var programs: [Program]
    public var tasks: [TaskRecord]
    public var workers: [Worker]
    public var proverSets: [ProverSet]
    public var workflows: [Workflow]

    public init(height: UInt64, lastBlockHash: String, lastBeacon: String, lastTimestampMilliseconds: Milliseconds, stateDigest: String, totals: LedgerState.Totals,
                accounts: [Account], programs: [Program], tasks: [TaskRecord], workers: [Worker], proverSets: [ProverSet], workflows: [Workflow]) {
        self.height = height; self.lastBlockHash = lastBlockHash; self.lastBeacon = lastBeacon; self.lastTimestampMilliseconds = lastTimestampMilliseconds
        self.stateDigest = stateDigest; self.totals = totals; self.accounts = accounts; self.programs = programs; self.tasks = tasks
        self.workers = workers; self.proverSets = proverSets; self.workflows = workflows
    }
}

extension Ledger {
    /// Resumes a chain from stored records. The derived indexes (the end-of-block work index, open workflows,
    /// drawable workers) are rebuilt, so the result equals the ledger that applied every block.
    public init(genesis: Genesis, restoring snapshot: LedgerSnapshot) throws {
        try self.init(genesis: genesis)
        state.height = snapshot.height
        state.lastBlockHash = snapshot.lastBlockHash
        guard Hex.isLowercase(snapshot.lastBeacon, byteCount: Beacon.length) else {
            throw LedgerError(.corruptState, "the stored beacon is not \(Beacon.length) bytes of hex; restore from a backup or resync the chain")
        }
        state.lastBeacon = snapshot.lastBeacon
        state.lastTimestampMilliseconds = snapshot.lastTimestampMilliseconds
        state.stateDigest = snapshot.stateDigest
        state.totals = snapshot.totals
        state.accounts = Dictionary(snapshot.accounts.map { ($0.address, $0) }, uniquingKeysWith: { $1 })
        state.programs = Dictionary(snapshot.programs.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.tasks = Dictionary(snapshot.tasks.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.workers = Dictionary(snapshot.workers.map { ($0.address, $0) }, uniquingKeysWith: { $1 })
        state.proverSets = Dictionary(snapshot.proverSets.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        state.workflows = Dictionary(snapshot.workflows.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.openWorkflows = snapshot.workflows.filter { $0.state == .running }.map(\.id).sorted()
        context = BlockContext(height: state.height, now: state.lastTimestampMilliseconds, previousHash: state.lastBlockHash, beacon: state.lastBeacon)
        rebuildCandidates()
        rebuildWorkIndex()
        let supply = state.supply()
        guard supply.isConserved else {
            throw LedgerError(.corruptState, "the stored state does not conserve credits (minted \(supply.minted), held \(supply.balances + supply.escrow + supply.stakes + supply.treasury + supply.burned)); restore from a backup or resync the chain")
        }
    }

    /// The records of the current state, for a store to write in full (a first snapshot or a compaction).
    public var snapshot: LedgerSnapshot {
        LedgerSnapshot(height: state.height, lastBlockHash: state.lastBlockHash, lastBeacon: state.lastBeacon, lastTimestampMilliseconds: state.lastTimestampMilliseconds,
                       stateDigest: state.stateDigest, totals: state.totals, accounts: Array(state.accounts.values),
                       programs: Array(state.programs.values), tasks: Array(state.tasks.values), workers: Array(state.workers.values),
                       proverSets: Array(state.proverSets.values), workflows: Array(state.workflows.values))
    }
}
