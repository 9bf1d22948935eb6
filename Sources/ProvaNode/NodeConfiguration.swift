public import Foundation
public import ProvaCore

/// How a validator node runs: where its data lives, where it listens, and its bounds.
public struct NodeConfiguration: Sendable {
    public var dataDirectory: URL
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported by `onListening`.
    public var port: Int
    /// Room in the mempool's general lane, in its lane for worker duties, and for one sender's general transactions.
    public var mempoolCapacity: Int
    public var dutyCapacity: Int
    public var senderQuota: Int
    public var maxTransactionBytes: Int
    public var maxBlobBytes: ByteCount
    /// Longest `?wait=commit` a client may ask for.
    public var maxWaitSeconds: Int
    /// Bytes one account may upload in blobs no transaction names yet, per `uploadQuotaWindowMilliseconds`.
    public var uploadQuotaBytes: ByteCount
    public var uploadQuotaWindowMilliseconds: Milliseconds
    /// Below this much free disk the node takes no uploads and no new transactions (its SQLite must always have room
    /// to commit the blocks it has already taken transactions for).
    public var freeDiskFloorBytes: ByteCount
    /// Blobs nothing references are removed once they are this old, checked every `blobCollectionIntervalMilliseconds`.
    public var blobGraceMilliseconds: Milliseconds
    public var blobCollectionIntervalMilliseconds: Milliseconds
    /// Client URLs of the validator cluster's etcd members; empty for a solo validator (docs/CONSENSUS.md).
    public var etcdEndpoints: [String] = []
    /// How many recent blocks the cluster keeps in etcd; older ones are fetched from peers' `GET /v1/blocks/{height}`.
    public var etcdRetainedBlocks: Int = 1_000

    public init(dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8545, mempoolCapacity: Int = 40_000, dutyCapacity: Int = 10_000,
                senderQuota: Int = 64,
                maxTransactionBytes: Int = 512 * 1024, maxBlobBytes: ByteCount = 4 * Units.gib, maxWaitSeconds: Int = 120,
                uploadQuotaBytes: ByteCount = 16 * Units.gib, uploadQuotaWindowMilliseconds: Milliseconds = 3_600_000,
                freeDiskFloorBytes: ByteCount = Units.gib, blobGraceMilliseconds: Milliseconds = 3_600_000,
                blobCollectionIntervalMilliseconds: Milliseconds = 600_000) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.mempoolCapacity = mempoolCapacity
        self.dutyCapacity = dutyCapacity
        self.senderQuota = senderQuota
        self.maxTransactionBytes = maxTransactionBytes
        self.maxBlobBytes = maxBlobBytes
        self.maxWaitSeconds = maxWaitSeconds
        self.uploadQuotaBytes = uploadQuotaBytes
        self.uploadQuotaWindowMilliseconds = uploadQuotaWindowMilliseconds
        self.freeDiskFloorBytes = freeDiskFloorBytes
        self.blobGraceMilliseconds = blobGraceMilliseconds
        self.blobCollectionIntervalMilliseconds = blobCollectionIntervalMilliseconds
    }

    var genesisFile: URL { dataDirectory.appendingPathComponent("genesis.json") }
    var nodeKeyFile: URL { dataDirectory.appendingPathComponent("node.key") }
    var chainDirectory: URL { dataDirectory.appendingPathComponent("chain") }
    var blobDirectory: URL { dataDirectory.appendingPathComponent("blobs") }
}
