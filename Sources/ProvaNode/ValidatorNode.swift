import Foundation
public import Logging
public import ProvaCore
public import ProvaLedger
public import ProvaStore
import HTTPTypes

/// A solo validator: it checks transactions on entry, orders them into blocks (as soon as there are some, no
/// earlier than `minBlockInterval`, at least every `maxBlockInterval`), applies them to the ledger, commits each
/// block with its state changes to SQLite, and only then tells submitters and subscribers.
public actor ValidatorNode {
    public nonisolated let configuration: NodeConfiguration
    public nonisolated let store: ChainStore
    public nonisolated let blobs: BlobStore
    public nonisolated let genesis: Genesis
    public nonisolated let nodeKey: AccountKey
    let hub = EventHub()
    let metrics: NodeMetrics
    let logger: Logger
    /// Held for the node's lifetime: two nodes on one data directory would corrupt each other's chain.
    let lock: DataDirectoryLock

    private(set) var ledger: Ledger
    private var mempool: Mempool
    private var waiters: [TransactionHash: [Int: CheckedContinuation<TransactionStatus?, Never>]] = [:]
    private var nextWaiterID = 0
    /// Recently rejected transactions, so `GET /v1/transactions/{hash}` can say why (bounded).
    private var rejections: [TransactionHash: APIError] = [:]
    private var rejectionOrder: [TransactionHash] = []
    private var wakeProducer: CheckedContinuation<Void, Never>?
    private var stopping = false
    private var lastBlockAt = ContinuousClock.now
    private var statsCache: (height: UInt64, stats: NetworkStats)?

    /// Opens the node in `configuration.dataDirectory` (initialized by `prova node init`), loading the last committed state.
    public init(configuration: NodeConfiguration, metrics: NodeMetrics = NodeMetrics(), logger: Logger = Logger(label: "prova.node")) throws {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        let genesis = try NodeFiles.readGenesis(from: configuration.genesisFile)
        self.genesis = genesis
        lock = try DataDirectoryLock(directory: configuration.dataDirectory)
        nodeKey = try NodeFiles.readKey(from: configuration.nodeKeyFile)
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
        mempool = Mempool(capacity: configuration.mempoolCapacity)
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
        do { verified = try transaction.verified(chain: genesis.identity) } catch let error as ProvaCoreError {
            throw NodeError(LedgerError(error))
        }
        return try await admit(verified)
    }

    /// The stateful half of check-on-entry, against the current state and the sender's transactions already waiting.
    func admit(_ verified: VerifiedTransaction) throws -> TransactionStatus {
        if mempool.contains(verified.hash) {
            return TransactionStatus(hash: verified.hash, status: .pending)
        }
        if verified.nonce < ledger.state.nonce(of: verified.senderAddress), let committed = try? store.committedTransaction(verified.hash) {
            return committed
        }
        guard !mempool.isFull else {
            metrics.mempoolRejected()
            throw NodeError(.serviceUnavailable, .mempoolFull, "the mempool holds \(mempool.count) transactions; retry in a second",
                            headers: [.retryAfter: "1"])
        }
        do {
            try ledger.check(verified: verified, after: mempool.pending(of: verified.senderAddress))
        } catch let error as LedgerError {
            throw NodeError(error)
        }
        mempool.add(verified)
        metrics.recordMempool(size: mempool.count)
        wake()
        return TransactionStatus(hash: verified.hash, status: .pending)
    }

    /// Waits until the transaction is committed or rejected, or `timeout` passes (then answers its current status).
    public func waitForOutcome(_ hash: TransactionHash, timeout: Duration) async -> TransactionStatus {
        if let known = try? transactionStatus(hash), known.status != .pending { return known }
        let id = nextWaiterID
        nextWaiterID += 1
        let result: TransactionStatus? = await withCheckedContinuation { continuation in
            waiters[hash, default: [:]][id] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expireWaiter(hash, id: id)
            }
        }
        return result ?? TransactionStatus(hash: hash, status: .pending)
    }

    private func expireWaiter(_ hash: TransactionHash, id: Int) {
        guard let continuation = waiters[hash]?.removeValue(forKey: id) else { return }
        if waiters[hash]?.isEmpty == true { waiters[hash] = nil }
        continuation.resume(returning: nil)
    }

    private func resolveWaiters(_ hash: TransactionHash, with status: TransactionStatus) {
        guard let pending = waiters.removeValue(forKey: hash) else { return }
        for continuation in pending.values { continuation.resume(returning: status) }
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

    /// Produces blocks until `stop()`; the block in progress is always finished and committed first.
    public func runBlockProduction() async throws {
        lastBlockAt = ContinuousClock.now
        while !stopping {
            let parameters = ledger.state.parameters
            let minimum = lastBlockAt + .milliseconds(parameters.minBlockIntervalMilliseconds)
            let maximum = lastBlockAt + .milliseconds(parameters.maxBlockIntervalMilliseconds)
            let now = ContinuousClock.now
            if (mempool.count > 0 && now >= minimum) || now >= maximum {
                try produceBlock()
                continue
            }
            await sleep(until: mempool.count > 0 ? minimum : maximum)
        }
        await hub.finishAll()
    }

    /// Asks block production to stop after the block in progress.
    public func stop() {
        stopping = true
        wake()
    }

    private func sleep(until deadline: ContinuousClock.Instant) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            wakeProducer = continuation
            Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                await self?.wake()
            }
        }
    }

    private func wake() {
        let continuation = wakeProducer
        wakeProducer = nil
        continuation?.resume()
    }

    private func produceBlock() throws {
        let started = ContinuousClock.now
        let parameters = ledger.state.parameters
        let candidates = mempool.candidates(limit: parameters.maxBlockTransactions)
        let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
        let timestamp = max(wallClock, ledger.state.lastTimestampMilliseconds + 1)
        let proposal: Proposal
        do {
            proposal = try ledger.propose(verified: candidates, timestampMilliseconds: timestamp, proposer: nodeKey.address)
            try store.commit(proposal.outcome, state: ledger.state)
        } catch {
            // The in-memory ledger may be ahead of the disk: reload the last committed state before anything else.
            logger.critical("block commit failed; reloading the last committed state", metadata: ["error": "\(error)"])
            if let reloaded = try? store.loadLedger() { ledger = reloaded }
            throw NodeError(.internalServerError, .commitFailed, "the block could not be committed; check disk space", cause: "\(error)")
        }
        let interval = started - lastBlockAt
        lastBlockAt = started
        let outcome = proposal.outcome
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
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        metrics.recordBlock(height: height, intervalSeconds: seconds, transactions: outcome.transactions.count)
        metrics.recordMempool(size: mempool.count)
        let events = outcome.events
        Task { [hub] in await hub.publish(height: height, events: events) }
    }

    private func remember(_ hash: TransactionHash, _ error: APIError) {
        if rejections[hash] == nil { rejectionOrder.append(hash) }
        rejections[hash] = error
        if rejectionOrder.count > 10_000 {
            rejections[rejectionOrder.removeFirst()] = nil
        }
    }

    // MARK: Events

    func subscribe(_ filter: EventSelector) async -> (id: Int, stream: AsyncStream<PositionedEvent>) {
        await hub.subscribe(filter)
    }

    func unsubscribe(_ id: Int) async {
        await hub.unsubscribe(id)
    }

    // MARK: Faucet

    /// Mints credits with the authority key this node holds (devnets).
    public func faucet(_ request: FaucetRequest) throws -> TransactionStatus {
        guard hasFaucet else {
            throw NodeError(.notFound, .noFaucet, "this node does not hold the chain authority's key, so it has no faucet; ask the chain's operator for credits")
        }
        let body = TransactionBody.mint(Mint(to: request.address, amount: request.amount, memo: "faucet"))
        let unsigned = UnsignedTransaction(chain: genesis.identity, sender: nodeKey.publicKeyHex, nonce: nextNonce(of: nodeKey.address), body: body)
        do { return try admit(try ledger.verify(try unsigned.signed(by: nodeKey))) } catch let error as ProvaCoreError {
            throw NodeError(.badRequest, error.code, error.message)
        }
    }

    // MARK: Status and statistics

    public func chainStatus() -> ChainStatus {
        let state = ledger.state
        return ChainStatus(chainID: state.chainID, genesisHash: state.genesisHash, height: state.height, lastBlockHash: state.lastBlockHash,
                           lastTimestampMilliseconds: state.lastTimestampMilliseconds, stateDigest: state.stateDigest, authority: state.authority,
                           capacityTestProgram: state.capacityTestProgram, parameters: state.parameters, mempoolSize: mempool.count, faucet: hasFaucet)
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
