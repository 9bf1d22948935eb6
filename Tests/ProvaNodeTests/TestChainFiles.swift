import Foundation
import ProvaCore
import ProvaNode
import ProvaTesting

/// A freshly initialized node data directory: a funded user, genesis workers whose keys the test holds, and the
/// chain's parameters. Remove it with `remove()` when the node is gone.
struct TestChainFiles: Sendable {
    let directory: URL
    let user: AccountKey
    let workers: [AccountKey]
    let chainID: String
    /// The chain's ID and genesis hash, which every signature covers.
    let chain: ChainIdentity
    let genesisTimestamp: Milliseconds
    let parameters: ChainParameters

    init(workers count: Int = 6, parameters: ChainParameters = .genesisDefaults, under parent: URL = FileManager.default.temporaryDirectory) throws {
        directory = parent.appendingPathComponent("prova-node-test-\(UUID().uuidString)")
        user = AccountKey(deterministicFrom: "live-user")
        workers = (0..<count).map { AccountKey(deterministicFrom: "live-worker-\($0)") }
        chainID = "prova-live-test"
        genesisTimestamp = Int64(Date().timeIntervalSince1970 * 1000) - 1_000
        self.parameters = parameters
        let (genesis, _) = try NodeFiles.initialize(
            dataDirectory: directory, chainID: chainID, genesis: nil, timestampMilliseconds: genesisTimestamp,
            initialAccounts: [Genesis.FundedAccount(address: user.address, balance: 1_000 * MicroCredit.perCredit)],
            workers: workers.map { Genesis.InitialWorker(address: $0.address, capacity: Fixtures.gpuNode, diskBytes: 1 << 40, stake: parameters.minWorkerStake) },
            parameters: parameters)
        chain = genesis.identity
    }

    func sign(_ body: TransactionBody, by key: AccountKey, nonce: UInt64) throws -> SignedTransaction {
        try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: nonce, body: body).signed(by: key)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
