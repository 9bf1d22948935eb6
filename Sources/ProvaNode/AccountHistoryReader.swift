import ProvaCore
import ProvaStore

/// `GET /v1/accounts/{address}/history`: the store's fee and event rows for an account, merged newest first into
/// entries that say which way each amount moved.
enum AccountHistoryReader {
    /// The event kinds that move an account's credits.
    static let kinds: [LedgerEvent.Kind] = [
        .minted, .transferred, .freeTierGranted, .depositHeld, .depositReturned, .escrowed, .refunded, .paid, .slashed, .burned,
        .workerRegistered, .stakeReturned,
    ]

    static func read(_ address: Address, before: HistoryCursor?, limit: Int, store: ChainStore) throws -> AccountHistory {
        // One more than asked of each source: whether anything older remains decides `next`.
        let fees = try store.paidFees(address, before: before, limit: limit + 1).map { fee in
            (HistoryCursor.fee(height: fee.height, firstEvent: fee.outcome.firstEvent),
             [AccountHistoryEntry(kind: .transactionFee, height: fee.height, cursor: "", amount: fee.outcome.fee, balanceChange: -fee.outcome.fee,
                                  transaction: fee.outcome.hash, detail: fee.outcome.kind.rawValue)])
        }
        var seen = Set<HistoryCursor>()
        var events: [(HistoryCursor, [AccountHistoryEntry])] = []
        for row in try store.accountEvents(address, kinds: kinds, before: before, limit: limit + 1) {
            let cursor = HistoryCursor.event(height: row.height, position: row.position)
            guard seen.insert(cursor).inserted else { continue }
            events.append((cursor, entries(for: row.event, of: address)))
        }
        let merged = (fees + events).filter { !$0.1.isEmpty }.sorted { $0.0 > $1.0 }
        var page: [AccountHistoryEntry] = []
        var last: HistoryCursor?
        var more = false
        for (cursor, entries) in merged {
            // Entries of one event stay on one page (a transfer to oneself is both out and in).
            guard page.count < limit else { more = true; break }
            page += entries.map { entry in
                var entry = entry
                entry.cursor = cursor.text
                return entry
            }
            last = cursor
        }
        return AccountHistory(address: address, entries: page, next: more ? last?.text : nil)
    }

    /// What one event meant for `address`: usually one entry, two for a transfer to itself, none when it is not about it.
    static func entries(for event: LedgerEvent, of address: Address) -> [AccountHistoryEntry] {
        let amount = event.amount ?? 0
        func entry(_ kind: AccountHistoryEntry.Kind, balance: Int64, stake: Int64 = 0, detail: String? = event.detail) -> AccountHistoryEntry {
            AccountHistoryEntry(kind: kind, height: event.height, cursor: "", amount: amount, balanceChange: balance, stakeChange: stake,
                                task: event.task, attempt: event.attempt, program: event.program, workflow: event.workflow, detail: detail)
        }
        let own = event.account == address || event.worker == address
        switch event.kind {
        case .transferred:
            var result: [AccountHistoryEntry] = []
            if event.account == address { result.append(entry(.transferredOut, balance: -amount, detail: event.detail.map { "to \($0)" })) }
            if event.detail == address { result.append(entry(.transferredIn, balance: amount, detail: event.account.map { "from \($0)" })) }
            return result
        case .minted: return own ? [entry(.minted, balance: amount)] : []
        case .freeTierGranted: return own ? [entry(.freeTierGranted, balance: amount)] : []
        case .depositHeld: return own ? [entry(.depositHeld, balance: -amount)] : []
        case .depositReturned: return own ? [entry(.depositReturned, balance: amount)] : []
        case .escrowed: return own ? [entry(.escrowed, balance: -amount)] : []
        case .refunded: return own ? [entry(.refunded, balance: amount)] : []
        case .paid: return own ? [entry(.paid, balance: amount)] : []
        case .slashed: return own ? [entry(.slashed, balance: 0, stake: -amount)] : []
        case .burned: return own ? [entry(.burned, balance: 0)] : []
        case .workerRegistered: return own && amount > 0 ? [entry(.staked, balance: -amount, stake: amount)] : []
        case .stakeReturned: return own ? [entry(.stakeReturned, balance: amount, stake: -amount)] : []
        default: return []
        }
    }
}
