import Foundation
import HTTPTypes
import Logging
import ProvaCore

/// The tasks beside a cluster validator's block loop: one watches the chain's etcd prefix (new blocks wake the loop,
/// shared transactions enter the mempool, live keys say who runs), one keeps this validator's live key alive.
extension ValidatorNode {
    /// Watches until cancelled; after a failure (etcd down, the watch compacted) it reads the current state again and
    /// watches from there, so nothing is missed for long: blocks are read by the loop from etcd, not from the watch.
    func followCluster(_ cluster: ClusterLink) async {
        let etcd = cluster.etcd
        while !Task.isCancelled {
            do {
                let live = try await etcd.range(cluster.livePrefix, end: EtcdClient.prefixEnd(cluster.livePrefix))
                setLive(live.values.map { Self.suffix($0.key, after: cluster.livePrefix) })
                let pool = try await etcd.range(cluster.mempoolPrefix, end: EtcdClient.prefixEnd(cluster.mempoolPrefix))
                for shared in pool.values { await receiveShared(shared.value) }
                wakeSignal.signal()
                let from = min(live.revision, pool.revision) + 1
                let events = etcd.watch(cluster.prefix, end: EtcdClient.prefixEnd(cluster.prefix), fromRevision: from)
                let restart = watchRestartSignal
                restart.clear()
                // A watch over a connection that died silently (a network partition) would wait for ever: the block loop
                // asks for a new one when etcd answers it again after a failure.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await event in events { await self.handle(event, cluster) }
                    }
                    group.addTask {
                        await restart.wait()
                        throw NodeError(.serviceUnavailable, .etcdUnavailable, "etcd answers again after a failure; the watch starts over")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("the etcd watch ended; starting again", metadata: ["error": "\(error)"])
            }
            // A short pause before the next attempt, so that an etcd without quorum is not asked in a tight loop.
            try? await clock.sleep(until: clock.monotonicMilliseconds() + 500)
        }
    }

    /// Holds `live/<public key>` under a short lease while this validator runs: `GET /v1/status` lists who is live.
    func keepLive(_ cluster: ClusterLink) async {
        let me = nodeKey.publicKeyHex
        let url = genesis.validators.first { $0.publicKey == me }?.url ?? ""
        while !Task.isCancelled {
            do {
                let lease = try await cluster.etcd.grantLease(ttlSeconds: ClusterLink.liveTTLSeconds)
                try await cluster.etcd.put(cluster.liveKey(me), Array(url.utf8), lease: lease)
                while !Task.isCancelled {
                    try await clock.sleep(until: clock.monotonicMilliseconds() + 1_000)
                    try await cluster.etcd.keepAlive(lease: lease)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("the live key's lease lapsed; granting a new one", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(until: clock.monotonicMilliseconds() + 500)
        }
    }

    private func setLive(_ keys: [String]) { liveValidators = Set(keys) }

    private func handle(_ event: EtcdWatchEvent, _ cluster: ClusterLink) async {
        switch event {
        case .started:
            return
        case .put(let change, _):
            if change.key.starts(with: cluster.mempoolPrefix) {
                await receiveShared(change.value)
            } else if change.key.starts(with: cluster.livePrefix) {
                liveValidators.insert(Self.suffix(change.key, after: cluster.livePrefix))
            } else if change.key.starts(with: cluster.blocksPrefix) {
                wakeSignal.signal()
            }
        case .deleted(let change, _):
            if change.key.starts(with: cluster.livePrefix) {
                liveValidators.remove(Self.suffix(change.key, after: cluster.livePrefix))
            }
        }
    }

    private static func suffix(_ key: [UInt8], after prefix: [UInt8]) -> String {
        String(decoding: key.dropFirst(prefix.count), as: UTF8.self)
    }
}
