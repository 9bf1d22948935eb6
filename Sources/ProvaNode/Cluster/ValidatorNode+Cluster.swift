import Foundation
import HTTPTypes
import Prometheus
import Logging
import ProvaCore
import ProvaLedger
import ProvaStore

/// Cluster mode (docs/CONSENSUS.md): the validators order blocks through etcd. Each height's proposer order comes from
/// the parent's beacon (`Ledger.proposerOrder`); a validator proposes once its turn has come and a block is due, on a
/// copy of its ledger, and the block counts only if its etcd transaction takes the height (one block per height,
/// ever). Every validator — the proposer included — commits a height's block only once etcd holds it, so no
/// validator's SQLite ever holds a block the cluster does not.
extension ValidatorNode {
    /// The block loop of a cluster validator, with the tasks that follow etcd beside it; ends on `stop()`.
    func produceClusterBlocks(_ cluster: ClusterLink) async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followCluster(cluster) }
            group.addTask { await self.keepLive(cluster) }
            group.addTask { await self.runBlobReplication(cluster) }
            lastBlockAt = clock.monotonicMilliseconds()
            while !isStopRequested && !Task.isCancelled {
                wakeSignal.clear()
                if divergence == nil { await applyClusterBlocks(cluster) }
                let now = clock.monotonicMilliseconds()
                expireWaiters(reachedBy: now)
                var deadline = now + 1_000
                if divergence == nil, clusterFailure == nil, let due = proposalDue() {
                    let wall = clock.nowMilliseconds()
                    if wall >= due {
                        await proposeToCluster(cluster, at: now)
                        continue
                    }
                    deadline = min(deadline, now + (due - wall))
                }
                if let waiter = waiterDeadlines.min { deadline = min(deadline, waiter.deadline) }
                // Woken early by a block or transaction arriving through the watch, or by a local transaction.
                await sleep(until: deadline)
            }
            group.cancelAll()
        }
    }

    /// When this validator may propose the next block, on the wall clock: once its turn in the height's proposer
    /// order has come, and a block is due — as soon as there are transactions (or draws a block made necessary), no
    /// earlier than `minBlockInterval` after the parent; else `maxBlockInterval` after it, later ranks one
    /// `proposerTimeout` after each other so that empty blocks do not race.
    func proposalDue() -> Milliseconds? {
        let me = nodeKey.publicKeyHex
        guard let turn = ledger.earliestTimestamp(proposedBy: me), let rank = ledger.proposerOrder.firstIndex(of: me) else { return nil }
        let parameters = ledger.state.parameters
        let parent = ledger.state.lastTimestampMilliseconds
        if mempool.count > 0 || ledger.drawsAwaitNextBlock {
            return max(turn, parent + parameters.minBlockIntervalMilliseconds)
        }
        return max(turn, parent + parameters.maxBlockIntervalMilliseconds + Milliseconds(rank) * parameters.proposerTimeoutMilliseconds)
    }

    /// Builds the next block on a copy of the ledger and offers it to etcd; commits it only if etcd took it.
    func proposeToCluster(_ cluster: ClusterLink, at now: Milliseconds) async {
        var draft = ledger
        let candidates = mempool.candidates(limit: ledger.state.parameters.maxBlockTransactions)
        let timestamp = max(clock.nowMilliseconds(), ledger.earliestTimestamp(proposedBy: nodeKey.publicKeyHex) ?? 0)
        let proposal: Proposal
        do {
            proposal = try draft.propose(verified: candidates, timestampMilliseconds: timestamp, proposer: nodeKey)
        } catch {
            logger.error("could not build a block", metadata: ["error": "\(error)"])
            return
        }
        let height = proposal.block.header.height
        let took: Bool
        do {
            took = try await cluster.publish(proposal.block)
        } catch {
            // Whether etcd took the block is unknown: it is applied like any other if it is there.
            reportClusterFailure(error)
            return
        }
        guard took else {
            metrics.proposalsLost.increment()
            logger.debug("another validator's block took the height", metadata: ["height": "\(height)"])
            return
        }
        // The ledger moved on only if no other block was applied meanwhile (none can be: the height was free).
        guard ledger.state.height + 1 == height else { return }
        do {
            try store.commit(proposal.outcome, state: draft.state)
        } catch {
            // etcd holds the block; the disk refused it. Stop here rather than serve a chain the disk does not have.
            diverge("block \(height) is in the cluster but could not be committed to this validator's disk: \(error)")
            return
        }
        ledger = draft
        metrics.blocksProposed.increment()
        finish(proposal.outcome, at: now)
        replicateBlobs(of: proposal.block)
        admitWaitingShared(after: proposal.block)
    }

    /// Applies the blocks etcd holds beyond this validator's height, in order; blocks etcd no longer keeps come from
    /// the peers. A block that does not apply stops the validator (divergence).
    func applyClusterBlocks(_ cluster: ClusterLink) async {
        var lookedAgain = false
        while divergence == nil && !isStopRequested {
            let next = ledger.state.height + 1
            let found: (blocks: [Block], tip: UInt64)
            do {
                found = try await cluster.blocks(from: next, limit: 32)
            } catch {
                reportClusterFailure(error)
                return
            }
            clearClusterFailure()
            var blocks = found.blocks
            if blocks.first?.header.height != next {
                guard found.tip >= next else { return }
                // The block may have been written between the two reads: read once more before asking the peers.
                if !lookedAgain {
                    lookedAgain = true
                    continue
                }
                // etcd no longer keeps this height: a peer that has it serves it.
                guard let block = await cluster.blockFromPeers(next) else {
                    logger.warning("block \(next) is neither in etcd nor at any peer; retrying", metadata: ["tip": "\(found.tip)"])
                    return
                }
                blocks = [block]
            }
            lookedAgain = false
            for block in blocks {
                guard block.header.height == ledger.state.height + 1 else { break }
                guard applyArrived(block) else { return }
            }
        }
    }

    /// Applies one block of the cluster and commits it; false (and diverged) when it does not apply.
    private func applyArrived(_ block: Block) -> Bool {
        var next = ledger
        let outcome: BlockOutcome
        do {
            outcome = try next.apply(block, receivedAtMilliseconds: nil)
        } catch let error as LedgerError {
            diverge("block \(block.header.height) by \(block.header.proposer.prefix(16)) does not apply here: \(error.message) (\(error.code))")
            return false
        } catch {
            diverge("block \(block.header.height) does not apply here: \(error)")
            return false
        }
        do {
            try store.commit(outcome, state: next.state)
        } catch {
            diverge("block \(block.header.height) could not be committed to this validator's disk: \(error)")
            return false
        }
        ledger = next
        finish(outcome, at: clock.monotonicMilliseconds())
        replicateBlobs(of: block)
        admitWaitingShared(after: block)
        return true
    }

    func diverge(_ reason: String) {
        guard divergence == nil else { return }
        logger.critical("stopped applying the cluster's blocks: this validator diverged", metadata: ["reason": "\(reason)", "height": "\(ledger.state.height)"])
        divergence = reason
        metrics.diverged.set(Double(1))
    }

    func reportClusterFailure(_ error: any Error) {
        let message = (error as? NodeError)?.message ?? "\(error)"
        if clusterFailure == nil { logger.error("the cluster's etcd cannot be reached; no block is made until it can", metadata: ["error": "\(message)"]) }
        clusterFailure = message
    }

    func clearClusterFailure() {
        guard clusterFailure != nil else { return }
        logger.notice("the cluster's etcd answers again")
        clusterFailure = nil
        watchRestartSignal.signal()
    }

    // MARK: Transactions

    /// Puts a transaction this validator took in the shared mempool, so that whichever validator proposes next has it.
    /// Answered only once etcd holds it: a transaction acknowledged as pending is never known to this validator alone.
    nonisolated func share(_ transaction: VerifiedTransaction) async throws {
        guard let cluster else { return }
        let lease = try await currentMempoolLease(cluster)
        try await cluster.etcd.put(cluster.mempoolKey(transaction.hash), ClusterLink.encode(transaction.transaction), lease: lease)
    }

    /// Shared transactions expire with their lease; a new lease is granted every half TTL, so each one lives between
    /// one half and one whole `mempoolTTL` — past that, only validators that already hold it remember it.
    private func currentMempoolLease(_ cluster: ClusterLink) async throws -> Int64 {
        let now = clock.monotonicMilliseconds()
        if let lease = mempoolLease, now - lease.grantedAt < Milliseconds(ClusterLink.mempoolTTLSeconds) * 500 { return lease.id }
        let id = try await cluster.etcd.grantLease(ttlSeconds: ClusterLink.mempoolTTLSeconds)
        mempoolLease = (id, now)
        return id
    }

    /// A transaction another validator shared: checked on entry like any other, and dropped when it does not pass
    /// (already committed, already waiting, or no longer valid). Shared transactions arrive in etcd's order, not in their
    /// nonces' order — a sender's next transaction may reach this validator before the one it follows, which another
    /// validator took a moment earlier — so one whose nonce skips ahead waits here until the gap closes.
    nonisolated func receiveShared(_ bytes: [UInt8]) async {
        guard let transaction = try? JSONDecoder().decode(SignedTransaction.self, from: Data(bytes)),
              let verified = try? transaction.verified(chain: chain) else { return }
        await admitShared(verified)
    }

    private func admitShared(_ verified: VerifiedTransaction) {
        do {
            _ = try admit(verified)
            admitWaitingShared(of: verified.senderAddress)
        } catch let error as NodeError where error.code == .nonceSkipped {
            holdShared(verified)
        } catch {
            return
        }
    }

    /// Keeps a shared transaction whose nonce skips ahead, bounded per sender and in all.
    private func holdShared(_ verified: VerifiedTransaction) {
        let sender = verified.senderAddress
        var held = heldShared[sender] ?? [:]
        guard held.count < configuration.senderQuota, heldSharedCount < configuration.mempoolCapacity / 4 else { return }
        if held.updateValue(verified, forKey: verified.transaction.nonce) == nil { heldSharedCount += 1 }
        heldShared[sender] = held
    }

    /// Admits the held transactions of `sender` that follow now, in nonce order; forgets those already used.
    func admitWaitingShared(of sender: Address) {
        guard var held = heldShared[sender] else { return }
        while let next = held.keys.min() {
            let expected = nextNonce(of: sender)
            guard next <= expected, let transaction = held.removeValue(forKey: next) else { break }
            heldSharedCount -= 1
            if next == expected { _ = try? admit(transaction) }
        }
        heldShared[sender] = held.isEmpty ? nil : held
    }

    /// After a block: the senders it moved on may have held transactions that follow now.
    func admitWaitingShared(after block: Block) {
        guard !heldShared.isEmpty else { return }
        var senders = Set<Address>()
        for transaction in block.transactions {
            if let sender = Addresses.from(publicKeyHex: transaction.sender), heldShared[sender] != nil { senders.insert(sender) }
        }
        for sender in senders { admitWaitingShared(of: sender) }
    }
}
