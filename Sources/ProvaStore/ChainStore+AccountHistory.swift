import GRDB
public import ProvaCore

/// The rows behind an account's history: the events that moved its credits and the fees of the transactions it sent,
/// each newest first and older than a cursor (docs/API.md "Reading the chain").
extension ChainStore {
    /// A committed transaction's fee, as its outcome records it.
    public struct PaidFee: Sendable, Hashable {
        public var height: UInt64
        public var outcome: TransactionOutcome
    }

    /// Events of `kinds` whose `account` or `worker` is `address`, plus the `transferred` events whose recipient it is,
    /// that come before `before` (all when nil), newest first, at most `limit` of each kind of match (an event may come
    /// more than once).
    public func accountEvents(_ address: Address, kinds: [LedgerEvent.Kind], before: HistoryCursor?,
                              limit: Int) throws -> [(height: UInt64, position: Int, event: LedgerEvent)] {
        let cursor = before ?? HistoryCursor(height: UInt64(Int64.max), key: 0)
        let placeholders = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
        let older = "(height < ? OR (height = ? AND position * 2 + 1 < ?))"
        return try read { db in
            // One query per indexed column (events_account, events_worker), each read newest first up to the limit,
            // rather than an OR that would sort every matching row; an event naming the address in both comes twice,
            // and the caller keeps one.
            var own: [Row] = []
            for column in ["account", "worker"] {
                own += try Row.fetchAll(db, sql: """
                    SELECT height, position, body FROM events
                    WHERE \(column) = ? AND kind IN (\(placeholders)) AND \(older)
                    ORDER BY height DESC, position DESC LIMIT ?
                    """, arguments: StatementArguments([address] + kinds.map(\.rawValue)
                                                       + [Int64(cursor.height), Int64(cursor.height), cursor.key, Int64(limit)]))
            }
            let received = try Row.fetchAll(db, sql: """
                SELECT height, position, body FROM events
                WHERE kind = 'transferred' AND \(AccountHistoryQueries.transferRecipient) = ? AND \(older)
                ORDER BY height DESC, position DESC LIMIT ?
                """, arguments: [address, Int64(cursor.height), Int64(cursor.height), cursor.key, limit])
            return try (own + received).map { row in
                (row["height"], row["position"], try JSON.decode(LedgerEvent.self, row["body"]))
            }
        }
    }

    /// Fees paid by transactions `address` sent, before `before` (all when nil), newest first, at most `limit`.
    public func paidFees(_ address: Address, before: HistoryCursor?, limit: Int) throws -> [PaidFee] {
        let cursor = before ?? HistoryCursor(height: UInt64(Int64.max), key: 0)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT height, outcome FROM transactions
                WHERE \(AccountHistoryQueries.outcomeSender) = ? AND json_extract(outcome, '$.fee') > 0
                  AND (height < ? OR (height = ? AND json_extract(outcome, '$.firstEvent') * 2 < ?))
                ORDER BY height DESC, position DESC LIMIT ?
                """, arguments: [address, Int64(cursor.height), Int64(cursor.height), cursor.key, limit]).map { row in
                PaidFee(height: row["height"], outcome: try JSON.decode(TransactionOutcome.self, row["outcome"]))
            }
        }
    }
}

/// The indexed expressions of the account-history queries: an index is used only when a query spells its expression
/// exactly as the index does, so both take them from here.
enum AccountHistoryQueries {
    /// Rows from before outcomes were stored per transaction hold `''`, which is not JSON.
    static let outcomeSender = "(CASE WHEN json_valid(outcome) THEN json_extract(outcome, '$.sender') END)"
    static let transferRecipient = "json_extract(body, '$.detail')"
}
