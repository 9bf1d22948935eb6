public import ProvaCore
import ProvaLedger

/// Replays a chain from its genesis, block by block, through `Ledger.apply` — every proposer a genesis validator, every
/// beacon proved by its proposer's key, every transaction signed and valid, every state digest recomputed — as a new
/// validator or an auditor must before trusting a node's history (`prova chain verify`). Nothing is trusted but the
/// genesis, whose hash the caller should compare with one it knows.
public enum ChainAudit {
    public struct Result: Sendable {
        public let height: UInt64
        public let stateDigest: String
        public let lastBeacon: String
        public let transactions: Int
    }

    /// Applies blocks 1 through `height` as `block(h)` returns them. Throws the ledger's error (`bad_beacon`,
    /// `unknown_proposer`, `state_digest_mismatch`, …) for the first block that does not apply, naming its height.
    public static func replay(genesis: Genesis, through height: UInt64, block: (UInt64) async throws -> Block,
                              progress: (UInt64) -> Void = { _ in }) async throws -> Result {
        var ledger = try Ledger(genesis: genesis)
        var transactions = 0
        var next: UInt64 = 1
        while next <= height {
            let fetched = try await block(next)
            guard fetched.header.height == next else {
                throw LedgerError(.badHeight, "the node answered block \(fetched.header.height) when asked for block \(next); it is not serving its chain faithfully")
            }
            do {
                transactions += try ledger.apply(fetched).transactions.count
            } catch let error as LedgerError {
                throw LedgerError(error.code, "block \(next) does not follow from the genesis: \(error.message)", cause: error.cause)
            }
            progress(next)
            next += 1
        }
        return Result(height: ledger.state.height, stateDigest: ledger.state.stateDigest, lastBeacon: ledger.state.lastBeacon, transactions: transactions)
    }
}
