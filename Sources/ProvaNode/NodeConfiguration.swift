public import Foundation
public import ProvaCore

/// How a validator node runs: where its data lives, where it listens, and its bounds.
public struct NodeConfiguration: Sendable {
    public var dataDirectory: URL
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported by `onListening`.
    public var port: Int
    public var mempoolCapacity: Int
    public var maxTransactionBytes: Int
    public var maxBlobBytes: ByteCount
    /// Longest `?wait=commit` a client may ask for.
    public var maxWaitSeconds: Int

    public init(dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8545, mempoolCapacity: Int = 50_000,
                maxTransactionBytes: Int = 512 * 1024, maxBlobBytes: ByteCount = 4 * Units.gib, maxWaitSeconds: Int = 120) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.mempoolCapacity = mempoolCapacity
        self.maxTransactionBytes = maxTransactionBytes
        self.maxBlobBytes = maxBlobBytes
        self.maxWaitSeconds = maxWaitSeconds
    }

    var genesisFile: URL { dataDirectory.appendingPathComponent("genesis.json") }
    var nodeKeyFile: URL { dataDirectory.appendingPathComponent("node.key") }
    var chainDirectory: URL { dataDirectory.appendingPathComponent("chain") }
    var blobDirectory: URL { dataDirectory.appendingPathComponent("blobs") }
}
