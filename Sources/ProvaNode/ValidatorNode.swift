import Foundation
public import Logging
public import ProvaCore
public import ProvaLedger
public import ProvaStore
import HTTPTypes
import Synchronization

/// A solo validator: it checks transactions on entry, orders them into blocks (as soon as there are some, no
/// earlier than `minBlockInterval`, at least every `maxBlockInterval`), applies them to the ledger, commits each
/// block with its state changes to SQLite, and only then tells submitters and subscribers.
///
/// All timing belongs to the block loop (`runBlockProduction`) and comes from the injected `BlockClock`: block
/// timestamps, the block intervals and the deadlines of `?wait=commit` waiters. The loop waits on one task group at a
/// time, racing the clock against a wake signal; commit waiters are kept with their deadlines in a min-heap the loop
/// checks; committed blocks reach the event hub in height order through one child task of the loop.
public actor ValidatorNode {
    public nonisolated let configuration: NodeConfiguration
    /// Where the block loop reads the time and waits.
    public nonisolated let clock: any BlockClock
    public nonisolated let store: ChainStore
    public nonisolated let blobs: BlobStore
    public nonisolated let genesis: Genesis
    /// The chain's ID and genesis hash, computed once: every signature is checked against it, and hashing a genesis
    /// with thousands of accounts per transaction would cost more than the signature.
    public nonisolated let chain: ChainIdentity
    nonisolated let diskSpace = DiskSpaceReading()
    public nonisolated let nodeKey: AccountKey
    let hub = EventHub()
    let metrics: NodeMetrics
    let logger: Logger
    /// Held for the node's lifetime: two nodes on one data directory would corrupt each other's chain.
    let lock: DataDirectoryLock

    var ledger: Ledger
    var mempool: Mempool
    /// Bytes each recent uploader has put in blobs no transaction names (`BlobAdmission.swift`).
    var uploads: [Address: UploadUsage] = [:]
    /// Why the last block could not be committed, while that lasts: the node takes no transactions and `/healthz` says so.
    private(set) var commitFailure: String? {
        didSet { if oldValue != commitFailure { healthWatchers.notify() } }
    }
    /// Streams told when the health changes, and when a block is committed.
    private nonisolated let healthWatchers = ChangeWatchers()
    nonisolated let blockWatchers = ChangeWatchers()
    private var waiters: [TransactionHash: [Int: CheckedContinuation<TransactionStatus?, Never>]] = [:]
    /// Every waiter's deadline, earliest first; entries of waiters already resolved are dropped when they surface.
    var waiterDeadlines = MinHeap<WaiterDeadline>()
    private var nextWaiterID = 0
    /// Recently rejected transactions, so `GET /v1/transactions/{hash}` can say why (bounded).
    private var rejections: [TransactionHash: APIError] = [:]
    private var rejectionOrder: [TransactionHash] = []
    let wakeSignal = WakeSignal()
    private let stopRequested = Mutex(false)
    private var production = Production.notStarted
    /// The deadline the sleeping loop will wake at; nil while it is not sleeping.
    private var wakeDeadline: Milliseconds?
    /// Committed blocks on their way to the event hub, in height order (set while the loop runs).
    var committedBlocks: AsyncStream<CommittedBlock>.Continuation?
    /// When the last block was produced, on the monotonic clock.
    var lastBlockAt: Milliseconds = 0
    /// The last block this node produced: its timestamp and the monotonic time it was produced at.
    private var lastProduced: (timestamp: Milliseconds, monotonic: Milliseconds)?
    private var clockJumpReported = false
    private var statsCache: (height: UInt64, stats: NetworkStats)?
    /// Set in cluster mode (`configuration.etcdEndpoints`): how blocks and transactions are shared (docs/CONSENSUS.md).
    nonisolated let cluster: ClusterLink?
    /// Why this validator stopped applying the cluster's blocks (docs/CONSENSUS.md "Divergence"); it never clears by itself.
    var divergence: String? {
        didSet { if oldValue != divergence { healthWatchers.notify() } }
    }
    /// Why the cluster's etcd cannot be reached, while that lasts.
    var clusterFailure: String? {
        didSet { if oldValue != clusterFailure { healthWatchers.notify() } }
    }
    /// The validators whose live key etcd holds (cluster mode).
    var liveValidators: Set<String> = []
    /// Blobs committed transactions name that this validator still has to copy from a peer (cluster mode).
    var blobsToReplicate: [String] = []
    nonisolated let replicationSignal = WakeSignal()
    /// Shared transactions whose nonce skips ahead of this validator's view, by sender and nonce (`receiveShared`).
    var heldShared: [Address: [UInt64: VerifiedTransaction]] = [:]
    var heldSharedCount = 0
    /// Tells the etcd watch to start over (its connection may have died silently).
    nonisolated let watchRestartSignal = WakeSignal()
    /// The lease shared transactions are put under, and when it was granted (monotonic).
    var mempoolLease: (id: Int64, grantedAt: Milliseconds)?

    /// Opens the node in `configuration.dataDirectory` (initialized by `prova node init`), loading the last committed state.
    public init(configuration: NodeConfiguration, metrics: NodeMetrics = NodeMetrics(), logger: Logger = Logger(label: "prova.node"),
                clock: any BlockClock = SystemBlockClock()) throws {
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        let genesis = try NodeFiles.readGenesis(from: configuration.genesisFile)
        self.genesis = genesis
        chain = genesis.identity
        lock = try DataDirectoryLock(directory: configuration.dataDirectory)
        nodeKey = try NodeFiles.readKey(from: configuration.nodeKeyFile)
        try NodeFiles.requireValidator(nodeKey, of: genesis)
        do {
            store = try ChainStore(directory: configuration.chainDirectory)
            blobs = try BlobStore(directory: configuration.blobDirectory, maxBlobBytes: configuration.maxBlobBytes)
            if let stored = try store.genesis(), stored.hash != genesis.hash {
                throw StoreError(.genesisMismatch, "genesis.json differs from the genesis this chain started with; restore the original file")
            }
            let fresh = try Ledger(genesis: genesis)
            try store.saveGenesis(genesis, ledger: fresh)
            ledger = try store.loadLedger() ?? fresh
        } catch let error as StoreError {
            throw NodeError(error)
        } catch let error as LedgerError {
            throw NodeError(.internalServerError, error.code, error.message)
        }
        if configuration.etcdEndpoints.isEmpty {
            cluster = nil
        } else {
            cluster = ClusterLink(etcd: try EtcdClient(endpoints: configuration.etcdEndpoints), genesis: genesis, me: nodeKey.publicKeyHex,
                                  retainedBlocks: configuration.etcdRetainedBlocks)
        }
        mempool = Mempool(capacity: configuration.mempoolCapacity, dutyCapacity: configuration.dutyCapacity, senderQuota: configuration.senderQuota)
        try Self.publishLocalImages(configuration.dataDirectory.appendingPathComponent("images"), into: blobs)
        metrics.recordBlock(height: ledger.state.height, intervalSeconds: nil, transactions: 0)
        let loaded = ledger.state
        logger.info("loaded chain", metadata: ["chain": "\(genesis.chainID)", "height": "\(loaded.height)", "digest": "\(loaded.stateDigest.prefix(16))"])
    }

    public var state: LedgerState { ledger.state }

    /// Image archives placed in `DATA/images` (the capacity-test image `prova node init` builds) are served from the
    /// blob store, so workers can fetch the program the genesis names.
    static func publishLocalImages(_ directory: URL, into blobs: BlobStore) throws {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        for file in files where file.pathExtension == "tar" {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let bytes = Array(data)
            guard blobs.size(of: SHA256Hex.of(bytes)) == nil else { continue }
            do { try blobs.put(bytes) } catch let error as StoreError { throw NodeError(error) }
        }
    }
    var hasFaucet: Bool { nodeKey.address == genesis.authority }

    // MARK: Submitting

    /// Check-on-entry: signature, chain, shape, size, nonce sequence, balance and every rule of the kind.
    /// The signature is checked before entering the actor, so HTTP threads verify in parallel.
    public nonisolated func submit(_ transaction: SignedTransaction) async throws -> TransactionStatus {
        let verified: VerifiedTransaction
        do { verified = try transaction.verified(chain: chain) } catch let error as ProvaCoreError {
            throw NodeError(LedgerError(error))
        }
        switch try await admit(verified) {
        case .admitted(let status, let added):
            if added { try await share(verified) }
            return status
        case .nonceUsed(let error):
            // A transaction sent again after it was committed is answered with its committed status; the lookup reads
            // SQLite, so it happens here, off the actor, where reads run in parallel with block production.
            if let committed = try? store.committedTransaction(verified.hash) { return committed }
            throw error
        }
    }

    /// What check-on-entry decided: admitted (or already waiting), or a nonce already used, whose transaction may be a
    /// committed one sent again.
    enum Admission: Sendable {
        /// `added`: it was not waiting yet (so a cluster validator shares it with the others).
        case admitted(TransactionStatus, added: Bool)
        case nonceUsed(NodeError)
    }

    /// The stateful half of check-on-entry, against the current state and the sender's transactions already waiting.
    func admit(_ verified: VerifiedTransaction) throws -> Admission {
        if mempool.contains(verified.hash) {
            return .admitted(TransactionStatus(hash: verified.hash, status: .pending), added: false)
        }
        // The cheap refusals first (a node that cannot commit, a disk below its floor, a full lane, a sender over its
        // quota), before any ledger work.
        if let divergence {
            throw NodeError(.serviceUnavailable, .diverged, "this validator disagrees with the cluster (\(divergence)) and takes no transactions; use another validator",
                            headers: [.retryAfter: "5"])
        }
        if let commitFailure {
            throw NodeError(.serviceUnavailable, .nodeDegraded, "the node cannot commit blocks (\(commitFailure)); retry later or use another validator",
                            headers: [.retryAfter: "5"])
        }
        try checkFreeDisk(for: Int64(verified.size))
        if let refusal = mempool.refusal(for: verified) {
            metrics.mempoolRejected()
            throw refusal
        }
        do {
            try ledger.check(verified: verified, after: mempool.pending(of: verified.senderAddress))
        } catch let error as LedgerError where error.code == .nonceReplayed {
            return .nonceUsed(NodeError(error))
        } catch let error as LedgerError {
            throw NodeError(error)
        }
        mempool.add(verified)
        metrics.recordMempool(size: mempool.count)
        // The first waiting transaction moves the loop's deadline from `maxBlockInterval` to `minBlockInterval`;
        // later ones change nothing the sleeping loop waits for.
        if mempool.count == 1 { wakeSignal.signal() }
        return .admitted(TransactionStatus(hash: verified.hash, status: .pending), added: true)
    }

    /// Waits until the transaction is committed or rejected, or `timeout` passes on the node's clock (then answers its
    /// current status, "pending"). The block loop owns the timeout: it is one of the deadlines the loop wakes at.
    public func waitForOutcome(_ hash: TransactionHash, timeout: Duration) async -> TransactionStatus {
        if let known = try? transactionStatus(hash), known.status != .pending { return known }
        // No loop to commit anything or to time the wait out: answer what is known now.
        guard production != .stopped else { return TransactionStatus(hash: hash, status: .pending) }
        let id = nextWaiterID
        nextWaiterID += 1
        let deadline = clock.monotonicMilliseconds() + Self.milliseconds(timeout)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<TransactionStatus?, Never>) in
            waiters[hash, default: [:]][id] = continuation
            waiterDeadlines.insert(WaiterDeadline(deadline: deadline, id: id, hash: hash))
            // The loop sleeps until an earlier deadline of its own otherwise; a running loop reads the heap anyway.
            if let wakeDeadline, deadline < wakeDeadline { wakeSignal.signal() }
        }
        return result ?? TransactionStatus(hash: hash, status: .pending)
    }

    /// Answers "still pending" to every waiter whose deadline `now` has reached, and drops resolved waiters' entries.
    func expireWaiters(reachedBy now: Milliseconds) {
        while let earliest = waiterDeadlines.min {
            guard waiters[earliest.hash]?[earliest.id] != nil else {
                waiterDeadlines.popMin()
                continue
            }
            guard earliest.deadline <= now else { return }
            waiterDeadlines.popMin()
            guard let continuation = waiters[earliest.hash]?.removeValue(forKey: earliest.id) else { continue }
            if waiters[earliest.hash]?.isEmpty == true { waiters[earliest.hash] = nil }
            continuation.resume(returning: nil)
        }
    }

    private func resolveWaiters(_ hash: TransactionHash, with status: TransactionStatus) {
        guard let pending = waiters.removeValue(forKey: hash) else { return }
        for continuation in pending.values { continuation.resume(returning: status) }
    }

    /// The loop has ended: every waiter hears "still pending" now, as nothing will commit or time it out any more.
    private func releaseAllWaiters() {
        let pending = waiters
        waiters = [:]
        waiterDeadlines.removeAll()
        for continuations in pending.values {
            for continuation in continuations.values { continuation.resume(returning: nil) }
        }
    }

    static func milliseconds(_ duration: Duration) -> Milliseconds {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }

    public func transactionStatus(_ hash: TransactionHash) throws -> TransactionStatus? {
        if mempool.contains(hash) { return TransactionStatus(hash: hash, status: .pending) }
        if let error = rejections[hash] { return TransactionStatus(hash: hash, status: .rejected, error: error) }
        do { return try store.committedTransaction(hash) } catch let error as StoreError { throw NodeError(error) }
    }

    /// The nonce the account's next transaction must carry, counting its transactions in the mempool.
    public func nextNonce(of address: Address) -> UInt64 {
        mempool.pendingNonce(of: address) ?? ledger.state.nonce(of: address)
    }

    public var mempoolSize: Int { mempool.count }

    // MARK: Block production

    /// Produces blocks until `stop()` (or until the calling task is cancelled); the block in progress is always
    /// finished and committed first. Returns after every committed block has reached the event hub's subscribers.
    public func runBlockProduction() async throws {
        guard production == .notStarted else {
            throw NodeError(.internalServerError, .internal, "block production already ran on this node; open the node again to restart it")
        }
        production = .running
        let (blocks, publisher) = AsyncStream.makeStream(of: CommittedBlock.self)
        committedBlocks = publisher
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One consumer, so subscribers see blocks in height order; it ends when the loop finishes the stream.
            group.addTask { [hub] in
                for await block in blocks { hub.publish(height: block.height, events: block.events) }
                hub.finishAll()
            }
            do {
                if let cluster { try await produceClusterBlocks(cluster) } else { try await produceBlocks() }
            } catch {
                endProduction()
                throw error
            }
            endProduction()
        }
    }

    /// Asks block production to stop after the block in progress.
    public func stop() {
        requestStop()
    }

    /// `stop()` for callers that cannot wait for the actor (a graceful-shutdown handler).
    public nonisolated func requestStop() {
        stopRequested.withLock { $0 = true }
        wakeSignal.signal()
    }

    nonisolated var isStopRequested: Bool { stopRequested.withLock { $0 } }

    private func produceBlocks() async throws {
        lastBlockAt = clock.monotonicMilliseconds()
        while !isStopRequested && !Task.isCancelled {
            // Everything a signal announces is read below, before the loop sleeps again.
            wakeSignal.clear()
            // Intervals and waits are measured on the monotonic clock; only timestamps come from the wall clock.
            let now = clock.monotonicMilliseconds()
            if blockIsDue(at: now) {
                do {
                    try produceBlock(at: now)
                } catch let error as NodeError where error.code == .commitFailed {
                    // The disk refused the block (full, failing): nothing was committed and the ledger was reloaded from
                    // it. Keep serving reads, take no transactions, and try again after a pause.
                    commitFailure = error.cause ?? error.message
                    let pause = clock.monotonicMilliseconds() + 1_000
                    await sleep(until: pause)
                    continue
                }
                if commitFailure != nil {
                    logger.notice("blocks are committed again")
                    commitFailure = nil
                }
            }
            expireWaiters(reachedBy: now)
            guard !blockIsDue(at: now) else { continue }
            let parameters = ledger.state.parameters
            let soon = mempool.count > 0 || ledger.drawsAwaitNextBlock
            var deadline = lastBlockAt + (soon ? parameters.minBlockIntervalMilliseconds : parameters.maxBlockIntervalMilliseconds)
            if let waiter = waiterDeadlines.min { deadline = min(deadline, waiter.deadline) }
            wakeDeadline = deadline
            await sleep(until: deadline)
            wakeDeadline = nil
        }
    }


    /// As soon as there are transactions (or draws a block made necessary), no earlier than `minBlockInterval` after
    /// the last block; at the latest `maxBlockInterval` after it.
    private func blockIsDue(at now: Milliseconds) -> Bool {
        let parameters = ledger.state.parameters
        return ((mempool.count > 0 || ledger.drawsAwaitNextBlock) && now >= lastBlockAt + parameters.minBlockIntervalMilliseconds)
            || now >= lastBlockAt + parameters.maxBlockIntervalMilliseconds
    }

    /// Returns when the clock reaches `deadline`, when something signals the loop, or when the loop is cancelled.
    func sleep(until deadline: Milliseconds) async {
        let clock = self.clock
        let signal = wakeSignal
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await signal.wait() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func endProduction() {
        production = .stopped
        committedBlocks?.finish()
        committedBlocks = nil
        releaseAllWaiters()
    }

    /// The timestamp of the next block (docs/PROTOCOL.md "Block timestamps"): the wall clock, unless it disagrees by
    /// more than `maxClockDrift` with the block time the monotonic clock says has passed since the last block this node
    /// produced — a wall clock that jumped. Then block time keeps following the monotonic clock, so a jump forward does
    /// not expire every deadline at once and a jump back does not stall the chain; never earlier than the ledger allows.
    private func nextTimestamp(at now: Milliseconds) -> Milliseconds {
        let wall = clock.nowMilliseconds()
        let earliest = ledger.earliestNextTimestamp
        guard let anchor = lastProduced else { return max(wall, earliest) }
        let reckoned = anchor.timestamp + (now - anchor.monotonic)
        let drift = wall - reckoned
        guard abs(drift) > ledger.state.parameters.maxClockDriftMilliseconds else {
            if clockJumpReported { logger.notice("the wall clock agrees with block time again") }
            clockJumpReported = false
            return max(wall, earliest)
        }
        if !clockJumpReported {
            logger.warning("the wall clock disagrees with block time; blocks follow the monotonic clock until it agrees again",
                           metadata: ["drift_ms": "\(drift)"])
            clockJumpReported = true
        }
        return max(reckoned, earliest)
    }

    private func produceBlock(at now: Milliseconds) throws {
        let parameters = ledger.state.parameters
        let candidates = mempool.candidates(limit: parameters.maxBlockTransactions)
        let timestamp = nextTimestamp(at: now)
        let proposal: Proposal
        do {
            proposal = try ledger.propose(verified: candidates, timestampMilliseconds: timestamp, proposer: nodeKey)
            try store.commit(proposal.outcome, state: ledger.state)
        } catch {
            // The in-memory ledger may be ahead of the disk: reload the last committed state before anything else.
            logger.critical("block commit failed; reloading the last committed state", metadata: ["error": "\(error)"])
            if let reloaded = try? store.loadLedger() { ledger = reloaded }
            throw NodeError(.internalServerError, .commitFailed, "the block could not be committed; check disk space", cause: "\(error)")
        }
        lastProduced = (timestamp: timestamp, monotonic: now)
        finish(proposal.outcome, at: now)
    }

    /// After a block is committed (made here or by another validator of the cluster): its transactions leave the
    /// mempool, waiters hear their outcome, subscribers its events.
    func finish(_ outcome: BlockOutcome, at now: Milliseconds) {
        let interval = now - lastBlockAt
        lastBlockAt = now
        let height = outcome.block.header.height
        var rejected = Set<TransactionHash>()
        for rejection in outcome.rejected {
            guard let hash = rejection.hash else { continue }
            rejected.insert(hash)
            remember(hash, APIError(code: rejection.error.code, message: rejection.error.message))
        }
        let orphaned = mempool.remove(included: Set(outcome.transactions.map(\.hash)), rejected: rejected)
        for transaction in orphaned {
            remember(transaction.hash, APIError(code: .nonceSkipped, message: "an earlier transaction of \(transaction.senderAddress) was rejected, so this one's nonce no longer follows; sign it again with the next nonce"))
        }
        for result in outcome.transactions {
            let events = Array(outcome.events[result.firstEvent..<(result.firstEvent + result.eventCount)])
            resolveWaiters(result.hash, with: TransactionStatus(hash: result.hash, status: .committed, height: height, outcome: result, events: events))
        }
        for hash in rejected.union(orphaned.map(\.hash)) {
            resolveWaiters(hash, with: TransactionStatus(hash: hash, status: .rejected, error: rejections[hash]))
        }
        metrics.recordBlock(height: height, intervalSeconds: Double(interval) / 1_000, transactions: outcome.transactions.count)
        metrics.recordMempool(size: mempool.count)
        committedBlocks?.yield(CommittedBlock(height: height, events: outcome.events))
        blockWatchers.notify()
    }

    func remember(_ hash: TransactionHash, _ error: APIError) {
        if rejections[hash] == nil { rejectionOrder.append(hash) }
        rejections[hash] = error
        if rejectionOrder.count > 10_000 {
            rejections[rejectionOrder.removeFirst()] = nil
        }
    }

    // MARK: Events

    /// The committed events matching `filter`, live, from the next block published on; the stream ends when block
    /// production ends. `package` so tests can wait on the node's own events.
    package nonisolated func subscribe(_ filter: EventSelector) -> (id: Int, stream: AsyncStream<PositionedEvent>) {
        hub.subscribe(filter)
    }

    nonisolated func unsubscribe(_ id: Int) {
        hub.unsubscribe(id)
    }

    /// Yields whenever the node's health changes (a commit failed, or commits work again): what a test waits on.
    package nonisolated func healthChanges() -> AsyncStream<Void> {
        healthWatchers.stream()
    }

    /// Yields after every block this node commits: what a test waits on for a block with no event of its own.
    package nonisolated func committedHeights() -> AsyncStream<Void> {
        blockWatchers.stream()
    }

    // MARK: Faucet

    /// Mints credits with the authority key this node holds (devnets).
    public nonisolated func faucet(_ request: FaucetRequest) async throws -> TransactionStatus {
        let (status, added) = try await admitFaucetMint(request)
        if let added { try await share(added) }
        return status
    }

    private func admitFaucetMint(_ request: FaucetRequest) throws -> (TransactionStatus, VerifiedTransaction?) {
        guard hasFaucet else {
            throw NodeError(.notFound, .noFaucet, "this node does not hold the chain authority's key, so it has no faucet; ask the chain's operator for credits")
        }
        let body = TransactionBody.mint(Mint(to: request.address, amount: request.amount, memo: "faucet"))
        let unsigned = UnsignedTransaction(chain: chain, sender: nodeKey.publicKeyHex, nonce: nextNonce(of: nodeKey.address), body: body)
        do {
            let verified = try ledger.verify(try unsigned.signed(by: nodeKey))
            switch try admit(verified) {
            case .admitted(let status, let added): return (status, added ? verified : nil)
            case .nonceUsed(let error): throw error
            }
        } catch let error as ProvaCoreError {
            throw NodeError(.badRequest, error.code, error.message)
        }
    }

    // MARK: Status and statistics

    public func chainStatus() -> ChainStatus {
        let state = ledger.state
        return ChainStatus(chainID: state.chainID, genesisHash: state.genesisHash, height: state.height, lastBlockHash: state.lastBlockHash,
                           lastTimestampMilliseconds: state.lastTimestampMilliseconds, stateDigest: state.stateDigest, authority: state.authority,
                           capacityTestProgram: state.capacityTestProgram, parameters: state.parameters, mempoolSize: mempool.count, faucet: hasFaucet,
                           validators: genesis.validators.map { validator in
                               let live = cluster == nil ? validator.publicKey == nodeKey.publicKeyHex : liveValidators.contains(validator.publicKey)
                               return ValidatorStatus(publicKey: validator.publicKey, url: validator.url, live: live)
                           })
    }

    public func stats() -> NetworkStats {
        if let cached = statsCache, cached.height == ledger.state.height {
            var stats = cached.stats
            stats.mempoolSize = mempool.count
            return stats
        }
        let stats = NetworkStatistics.compute(ledger.state, mempoolSize: mempool.count)
        statsCache = (ledger.state.height, stats)
        metrics.recordTaskStates(stats.tasksByState)
        return stats
    }
}

/// Where the block loop is in its life: it runs once per opened node.
private enum Production {
    case notStarted, running, stopped
}

/// A commit waiter's timeout, ordered by deadline (then by arrival).
struct WaiterDeadline: Comparable, Sendable {
    let deadline: Milliseconds
    let id: Int
    let hash: TransactionHash

    static func < (lhs: WaiterDeadline, rhs: WaiterDeadline) -> Bool {
        (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
    }
}

/// A committed block's events, on their way from the block loop to the event hub.
struct CommittedBlock: Sendable {
    let height: UInt64
    let events: [LedgerEvent]
}
