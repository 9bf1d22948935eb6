import ProvaCore
import Logging
import ProvaLedger
import ProvaStore

/// Blob replication in a cluster: every blob a committed transaction names (program images, inputs, proofs) is copied
/// to every validator as soon as the block is committed, so that losing the validator it was uploaded to loses
/// nothing a committed task needs. Only named blobs are copied — what the uploader paid to name and its quota bounded.
extension ValidatorNode {
    /// Queues the blobs `block` names that this validator lacks.
    func replicateBlobs(of block: Block) {
        guard cluster != nil else { return }
        var added = false
        for transaction in block.transactions {
            for digest in transaction.body.referencedBlobs where blobs.size(of: digest) == nil && !blobsToReplicate.contains(digest) {
                blobsToReplicate.append(digest)
                added = true
            }
        }
        if added { replicationSignal.signal() }
    }

    /// Copies queued blobs from the peers until cancelled; a blob no peer serves yet is tried again later (bounded).
    func runBlobReplication(_ cluster: ClusterLink) async {
        var failures: [String: Int] = [:]
        while !Task.isCancelled {
            guard let digest = nextBlobToReplicate() else {
                await replicationSignal.wait()
                continue
            }
            if blobs.size(of: digest) != nil { continue }
            if await cluster.fetchBlob(digest, into: blobs) {
                failures[digest] = nil
                continue
            }
            let count = failures[digest, default: 0] + 1
            failures[digest] = count
            guard count < 10 else {
                logger.warning("no peer serves a blob a committed transaction names; it is fetched when someone asks for it", metadata: ["blob": "\(digest)"])
                failures[digest] = nil
                continue
            }
            blobsToReplicate.append(digest)
            // Back off before the next round: the peer that has it may be restarting.
            try? await clock.sleep(until: clock.monotonicMilliseconds() + 500 * Milliseconds(count))
        }
    }

    private func nextBlobToReplicate() -> String? {
        blobsToReplicate.isEmpty ? nil : blobsToReplicate.removeFirst()
    }
}
