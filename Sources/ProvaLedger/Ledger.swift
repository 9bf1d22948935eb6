import Crypto
public import ProvaCore

/// Prova's deterministic state machine (DESIGN §3–§7): `apply(block) → (state, events)`.
/// No clock, no I/O, no system randomness: time comes from block headers, randomness from their beacons.
public struct Ledger: Sendable {
    public internal(set) var state: LedgerState

    /// Undo log of the transaction (or block) being applied; nil when changes need not be revertible.
    var journal: [@Sendable (inout LedgerState) -> Void]?
    var events: [LedgerEvent] = []
    var context: BlockContext
    /// The tasks and workflows the end-of-block work must look at (derived; see `WorkIndex`).
    var work = WorkIndex()
    /// Replaces uniform random prover selection, for comparisons in the simulator only (see `SelectionPolicy`).
    package var selectionPolicy: (any SelectionPolicy)?
    /// How draws choose among eligible workers. Every validator uses `.tiered`; the simulator may compare `.uniform`.
    package var placement: Placement = .tiered
    /// What seeds draws. Every validator uses `.beacon`; the simulator may compare the old rule (`SeedRule`).
    package var seedRule: SeedRule = .beacon

    /// The block being applied: its height, timestamp, the hash of the block before it, and its beacon (the randomness).
    struct BlockContext: Sendable {
        var height: UInt64
        var now: Milliseconds
        var previousHash: String
        var beacon: String
    }

    public init(genesis: Genesis) throws {
        do { try genesis.validate() } catch let error as ProvaCoreError { throw LedgerError(error) }
        let testProgram = genesis.capacityTestProgram.programID
        let genesisHash = genesis.hash
        state = LedgerState(
            chainID: genesis.chainID, genesisHash: genesisHash, parameters: genesis.parameters, authority: genesis.authority,
            capacityTestProgram: testProgram, height: 0, lastBlockHash: genesisHash, lastBeacon: genesis.beacon,
            validators: genesis.validators.map(\.publicKey), lastTimestampMilliseconds: genesis.timestampMilliseconds, stateDigest: genesisHash)
        context = BlockContext(height: 0, now: genesis.timestampMilliseconds, previousHash: genesisHash, beacon: genesis.beacon)
        for funded in genesis.accounts {
            state.accounts[funded.address] = Account(address: funded.address, balance: funded.balance)
            state.totals.minted += funded.balance
        }
        state.totals.treasury = genesis.treasury
        state.totals.minted += genesis.treasury
        state.programs[testProgram] = Program(
            id: testProgram, owner: genesis.authority, deploy: genesis.capacityTestProgram, deployedAtHeight: 0,
            strikes: 0, blocked: false, blockedReason: nil, tasksRequested: 0, tasksVerified: 0, tasksFailed: 0)
        for initial in genesis.workers {
            state.workers[initial.address] = Worker(
                address: initial.address, capacity: initial.capacity, diskBytes: initial.diskBytes, labels: initial.labels,
                stake: initial.stake, endpoint: nil, status: .active, reserved: .zero, strikes: 0, jailedUntilMilliseconds: nil,
                exitAtMilliseconds: nil, registeredAtMilliseconds: genesis.timestampMilliseconds, capacityTest: nil, proverSets: [],
                earned: 0, slashed: 0, tasksProved: 0, votesCast: 0, assignments: 0)
            state.totals.minted += initial.stake
            if state.accounts[initial.address] == nil {
                state.accounts[initial.address] = Account(address: initial.address)
            }
        }
        rebuildCandidates()
    }

    // MARK: Checking one transaction (the mempool's check-on-entry)

    /// Checks a transaction fully — signature, chain, shape, nonce, balance and every rule of its kind — by
    /// running it against the current state and rolling it back. Nothing changes.
    /// `nonce` overrides the expected nonce (a mempool that already holds earlier transactions of the sender).
    public mutating func check(_ transaction: SignedTransaction, expectedNonce: UInt64? = nil) throws -> VerifiedTransaction {
        let verified = try verify(transaction)
        try dryRun(verified, expectedNonce: expectedNonce)
        return verified
    }

    /// The stateful half of `check`, for a transaction whose signature was already verified.
    public mutating func check(verified: VerifiedTransaction, expectedNonce: UInt64? = nil) throws {
        try dryRun(verified, expectedNonce: expectedNonce)
    }

    /// Checks `verified` as it would apply after `earlier` — the same sender's transactions already waiting in a
    /// mempool, in nonce order — so a transaction that depends on a waiting one (a prover's result right behind its
    /// acceptance) is admitted. Nothing changes. The cheap check against the current state comes first (most
    /// transactions pass it); only a transaction it refuses for a reason other than its nonce is checked again after
    /// the waiting ones, and only when there are at most `maxSpeculativeChecks` of them.
    public mutating func check(verified: VerifiedTransaction, after earlier: [VerifiedTransaction]) throws {
        guard let last = earlier.last else { return try dryRun(verified, expectedNonce: nil) }
        do {
            try dryRun(verified, expectedNonce: last.nonce + 1)
        } catch let error as LedgerError where !error.code.isNonceMismatch && earlier.count <= Self.maxSpeculativeChecks {
            try dryRun(verified, expectedNonce: nil, after: earlier)
        }
    }

    /// Waiting transactions of one sender that `check(verified:after:)` applies before the one it checks.
    public static let maxSpeculativeChecks = 32

    /// Stateless checks only: chain, signature, size and shape.
    public func verify(_ transaction: SignedTransaction) throws -> VerifiedTransaction {
        do { return try transaction.verified(chain: state.chain) } catch let error as ProvaCoreError { throw LedgerError(error) }
    }

    mutating func dryRun(_ verified: VerifiedTransaction, expectedNonce: UInt64?, after earlier: [VerifiedTransaction] = []) throws {
        let savedContext = context
        let savedEvents = events
        // No draw happens while a transaction executes (draws are end-of-block work), so no beacon is needed here.
        context = BlockContext(height: state.height + 1, now: earliestNextTimestamp, previousHash: state.lastBlockHash, beacon: state.lastBeacon)
        defer {
            context = savedContext
            events = savedEvents
        }
        let checkpoint = beginJournal()
        defer { rollBack(to: checkpoint) }
        // An earlier one that no longer applies leaves the nonce behind, so the checked one fails its nonce, as it would in a block.
        for transaction in earlier {
            let before = beginJournal()
            do { _ = try execute(transaction, expectedNonce: nil) } catch { rollBack(to: before) }
        }
        _ = try execute(verified, expectedNonce: expectedNonce)
    }

    // MARK: Applying blocks

    /// Applies a block made by another validator (or replayed from disk): checks the header, every transaction,
    /// runs the end-of-block work and compares the state digest. On any error nothing changes.
    /// - Parameter receivedAtMilliseconds: this validator's wall clock when the block arrived. A block timestamped more
    ///   than `maxClockDrift` later is refused (`timestamp_in_future`): a proposer whose clock ran ahead cannot expire
    ///   every deadline at once. Nil when replaying blocks already committed (their time has passed).
    public mutating func apply(_ block: Block, receivedAtMilliseconds: Milliseconds? = nil) throws -> BlockOutcome {
        let header = block.header
        guard header.height == state.height + 1 else {
            throw LedgerError(.badHeight, "block height \(header.height) does not follow \(state.height)")
        }
        guard header.previousHash == state.lastBlockHash else {
            throw LedgerError(.badPreviousHash, "block \(header.height) builds on \(header.previousHash.prefix(12)), not on the last block \(state.lastBlockHash.prefix(12))")
        }
        try checkProposer(header)
        guard Block.isSigned(header, signature: block.signature) else {
            throw LedgerError(.badBlockSignature, "block \(header.height) is not signed by its proposer \(header.proposer.prefix(16)); the block is forged or damaged")
        }
        try checkTimestamp(header.timestampMilliseconds)
        try checkTurn(of: header.proposer, timestamp: header.timestampMilliseconds)
        if let received = receivedAtMilliseconds, header.timestampMilliseconds > received + state.parameters.maxClockDriftMilliseconds {
            throw LedgerError(.timestampInFuture, "block \(header.height) is timestamped \(header.timestampMilliseconds - received) ms after this validator's clock; more than the allowed drift of \(state.parameters.maxClockDriftMilliseconds) ms — the proposer's clock runs ahead")
        }
        guard block.transactions.count <= state.parameters.maxBlockTransactions else {
            throw LedgerError(.blockTooLarge, "block has \(block.transactions.count) transactions; the limit is \(state.parameters.maxBlockTransactions)")
        }
        let verified = try block.transactions.enumerated().map { index, transaction in
            do { return try verify(transaction) } catch let error as LedgerError {
                throw LedgerError(.badTransaction, "transaction \(index) of block \(header.height) is invalid: \(error.message)", cause: error.code.rawValue)
            }
        }
        guard MerkleTree.root(of: verified.map(\.hash)) == header.transactionsRoot else {
            throw LedgerError(.badTransactionsRoot, "block \(header.height)'s transactionsRoot is not the Merkle root of its transactions")
        }
        let checkpoint = beginJournal()
        do {
            var outcome = try applyBody(verified, header: header, dropRejected: false)
            outcome.block.signature = block.signature
            guard outcome.block.header.stateDigest == header.stateDigest else {
                throw LedgerError(.stateDigestMismatch, "after block \(header.height) this validator's state digest is \(outcome.block.header.stateDigest.prefix(16)) but the block says \(header.stateDigest.prefix(16)): the validators diverged")
            }
            endJournal()
            return outcome
        } catch {
            rollBack(to: checkpoint)
            endJournal()
            work.isStale = true
            throw error
        }
    }

    /// Builds the next block from candidate transactions, as a proposer does: each transaction that fails its
    /// checks is left out (with its error) and changes nothing; the others are applied in order.
    public mutating func propose(_ transactions: [SignedTransaction], timestampMilliseconds: Milliseconds, proposer: AccountKey) throws -> Proposal {
        try checkTimestamp(timestampMilliseconds)
        var accepted: [VerifiedTransaction] = []
        var rejected: [RejectedTransaction] = []
        for transaction in transactions {
            if accepted.count >= state.parameters.maxBlockTransactions {
                rejected.append(RejectedTransaction(transaction: transaction, hash: nil, error: LedgerError(.blockFull, "the block is full; submit again")))
                continue
            }
            do { accepted.append(try verify(transaction)) } catch let error as LedgerError {
                rejected.append(RejectedTransaction(transaction: transaction, hash: nil, error: error))
            }
        }
        var proposal = try propose(verified: accepted, timestampMilliseconds: timestampMilliseconds, proposer: proposer)
        proposal.outcome.rejected = rejected + proposal.outcome.rejected
        return proposal
    }

    /// Builds the next block from transactions whose signatures were already checked (by the mempool on entry,
    /// or built by the simulator). Every stateful rule is still applied; failing transactions are left out.
    /// `proposer` must be one of the genesis validators: its key proves the block's beacon.
    public mutating func propose(verified transactions: [VerifiedTransaction], timestampMilliseconds: Milliseconds, proposer: AccountKey) throws -> Proposal {
        try checkTimestamp(timestampMilliseconds)
        // Also refuses a key that is not a genesis validator (`unknown_proposer`).
        try checkTurn(of: proposer.publicKeyHex, timestamp: timestampMilliseconds)
        let height = state.height + 1
        let beacon = Beacon.make(by: proposer, previous: state.lastBeacon, height: height)
        var accepted = transactions
        var rejected: [RejectedTransaction] = []
        let limit = state.parameters.maxBlockTransactions
        if accepted.count > limit {
            for extra in accepted[limit...] {
                rejected.append(RejectedTransaction(transaction: extra.transaction, hash: extra.hash, error: LedgerError(.blockFull, "the block is full; submit again")))
            }
            accepted.removeSubrange(limit...)
        }
        let header = BlockHeader(height: height, previousHash: state.lastBlockHash, timestampMilliseconds: timestampMilliseconds,
                                 proposer: proposer.publicKeyHex, beacon: beacon.beacon, beaconProof: beacon.proof, transactionsRoot: "", stateDigest: "")
        var outcome = try applyBody(accepted, header: header, dropRejected: true)
        outcome.rejected = rejected + outcome.rejected
        outcome.block = outcome.block.signed(by: proposer)
        return Proposal(outcome: outcome)
    }

    /// Starts (or ends) a block's record of changed keys. Journaled like every other change, so that a block refused after
    /// its body ran (its digest differs) rolls back to exactly the state before it.
    mutating func resetChanges() {
        if journal != nil {
            let old = state.changes
            record { $0.changes = old }
        }
        state.changes = StateChanges()
    }

    /// The earliest timestamp the next block may carry: the parent's plus `minBlockInterval` (DESIGN §4).
    public var earliestNextTimestamp: Milliseconds { state.lastTimestampMilliseconds + max(state.parameters.minBlockIntervalMilliseconds, 1) }

    /// The proposer is a genesis validator and the beacon is the one its key proves for this height (docs/PROTOCOL.md
    /// "Beacon"): a forged beacon, one replayed from another height, or one made by another key is refused.
    func checkProposer(_ header: BlockHeader) throws {
        guard state.validators.contains(header.proposer) else {
            throw LedgerError(.unknownProposer, "block \(header.height) is proposed by \(header.proposer.prefix(16)), which is not a validator of this chain")
        }
        guard Beacon.verify(beacon: header.beacon, proof: header.beaconProof, proposer: header.proposer, previous: state.lastBeacon, height: header.height) else {
            throw LedgerError(.badBeacon, "block \(header.height)'s beacon is not the VRF output its proposer's key proves over the previous beacon and height \(header.height); the block is forged")
        }
    }

    /// This height's proposer order (`ProposerOrder`): the genesis validators, permuted by the last block's beacon.
    public var proposerOrder: [String] {
        ProposerOrder.order(of: state.validators, parentBeacon: state.lastBeacon, height: state.height + 1)
    }

    /// The earliest timestamp a block by `validator` (public key, hex) may carry at the next height: its rank's turn,
    /// and never before `earliestNextTimestamp`. Nil when the key is not a validator.
    public func earliestTimestamp(proposedBy validator: String) -> Milliseconds? {
        guard let rank = proposerOrder.firstIndex(of: validator) else { return nil }
        return max(earliestNextTimestamp, ProposerOrder.earliestTimestamp(rank: rank, parentTimestamp: state.lastTimestampMilliseconds,
                                                                          timeout: state.parameters.proposerTimeoutMilliseconds))
    }

    /// A validator proposes only once its turn in the height's proposer order has come (docs/PROTOCOL.md "Proposers"): otherwise a
    /// validator could always be first, and the random order would not decide who proposes.
    func checkTurn(of validator: String, timestamp: Milliseconds) throws {
        guard let earliest = earliestTimestamp(proposedBy: validator) else {
            throw LedgerError(.unknownProposer, "key \(validator.prefix(16)) is not a validator of this chain; only the genesis validators propose blocks")
        }
        guard timestamp >= earliest else {
            throw LedgerError(.proposerOutOfTurn, "block \(state.height + 1) is timestamped \(timestamp), before \(earliest), when its proposer \(validator.prefix(16))'s turn in the proposer order comes; wait for the validators ranked before it")
        }
    }

    func checkTimestamp(_ timestamp: Milliseconds) throws {
        guard timestamp >= earliestNextTimestamp, timestamp <= Genesis.latestTimestamp else {
            throw LedgerError(.badTimestamp, "block timestamp \(timestamp) must be at least the parent's plus minBlockInterval (\(earliestNextTimestamp))")
        }
    }

    /// Applies verified transactions and the end-of-block work, then seals the header with the new digest.
    private mutating func applyBody(_ transactions: [VerifiedTransaction], header: BlockHeader, dropRejected: Bool) throws -> BlockOutcome {
        context = BlockContext(height: header.height, now: header.timestampMilliseconds, previousHash: header.previousHash, beacon: header.beacon)
        events = []
        resetChanges()
        var included: [VerifiedTransaction] = []
        var results: [TransactionOutcome] = []
        var rejected: [RejectedTransaction] = []
        included.reserveCapacity(transactions.count)
        for transaction in transactions {
            let firstEvent = events.count
            let ownJournal = dropRejected
            let checkpoint = ownJournal ? beginJournal() : 0
            do {
                let (created, fee) = try execute(transaction, expectedNonce: nil)
                if ownJournal { endJournal() }
                results.append(TransactionOutcome(hash: transaction.hash, index: included.count, sender: transaction.senderAddress,
                                                  kind: transaction.body.kind, created: created, firstEvent: firstEvent, eventCount: events.count - firstEvent,
                                                  fee: fee))
                included.append(transaction)
            } catch let error as LedgerError {
                if ownJournal {
                    rollBack(to: checkpoint)
                    endJournal()
                    events.removeSubrange(firstEvent...)
                    rejected.append(RejectedTransaction(transaction: transaction.transaction, hash: transaction.hash, error: error))
                } else {
                    throw LedgerError(.badTransaction, "transaction \(transaction.hash.prefix(12)) of block \(header.height) fails: \(error.message)", cause: error.code.rawValue)
                }
            }
        }
        runEndOfBlock()
        var sealed = header
        sealed.transactionsRoot = MerkleTree.root(of: included.map(\.hash))
        sealed.stateDigest = nextDigest(after: sealed)
        let block = Block(header: sealed, transactions: included.map(\.transaction))
        let blockHash = sealed.hash
        let previous = (state.height, state.lastBlockHash, state.lastTimestampMilliseconds, state.stateDigest, state.lastBeacon)
        record {
            $0.height = previous.0; $0.lastBlockHash = previous.1; $0.lastTimestampMilliseconds = previous.2; $0.stateDigest = previous.3
            $0.lastBeacon = previous.4
        }
        state.height = sealed.height
        state.lastBlockHash = blockHash
        state.lastBeacon = sealed.beacon
        state.lastTimestampMilliseconds = sealed.timestampMilliseconds
        state.stateDigest = sealed.stateDigest
        let outcome = BlockOutcome(block: block, events: events, transactions: results, rejected: rejected, changes: state.changes)
        events = []
        resetChanges()
        return outcome
    }
}

/// What a block did: the sealed block, its events (in order) and one outcome per included transaction.
public struct BlockOutcome: Sendable {
    public internal(set) var block: Block
    public let events: [LedgerEvent]
    public let transactions: [TransactionOutcome]
    /// Transactions a proposer left out, with why (always empty for `apply`).
    public internal(set) var rejected: [RejectedTransaction]
    /// Which records the block changed.
    public let changes: StateChanges
}

/// The keys of records a block changed; a store persists exactly these with the block.
public struct StateChanges: Sendable, Equatable {
    public internal(set) var accounts = ChangedKeys<Address>()
    public internal(set) var tasks = ChangedKeys<TaskID>()
    public internal(set) var workers = ChangedKeys<Address>()
    public internal(set) var programs = ChangedKeys<ProgramID>()
    public internal(set) var proverSets = ChangedKeys<String>()
    public internal(set) var workflows = ChangedKeys<WorkflowID>()
}

/// Keys in the order a block first changed them: the same on every validator (the ledger is deterministic), so the
/// state digest needs no sort, and a rollback (newest change first) removes the last key.
public struct ChangedKeys<Key: Hashable & Sendable>: Sendable, Equatable, Sequence {
    public private(set) var order: [Key] = []
    private var members: Set<Key> = []

    public init() {}

    public var count: Int { order.count }
    public func contains(_ key: Key) -> Bool { members.contains(key) }
    public func makeIterator() -> IndexingIterator<[Key]> { order.makeIterator() }

    /// Adds `key` if it is new; returns whether it was.
    @discardableResult
    mutating func insert(_ key: Key) -> Bool {
        guard members.insert(key).inserted else { return false }
        order.append(key)
        return true
    }

    /// Undoes the insertion of `key`, which a journal rolling back newest first always finds last.
    mutating func removeInserted(_ key: Key) {
        precondition(order.last == key, "a rollback undid changes out of order")
        order.removeLast()
        members.remove(key)
    }

    public static func == (lhs: ChangedKeys, rhs: ChangedKeys) -> Bool { lhs.order == rhs.order }
}

public struct Proposal: Sendable {
    public internal(set) var outcome: BlockOutcome
    public var block: Block { outcome.block }
}


public struct RejectedTransaction: Sendable {
    public let transaction: SignedTransaction
    public let hash: TransactionHash?
    public let error: LedgerError
}
