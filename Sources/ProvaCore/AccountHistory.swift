/// `GET /v1/accounts/{address}/history`: every movement of an account's credits, newest first, each with the block,
/// task or transaction it came from. Transaction fees come from the transactions' outcomes (`TransactionOutcome.fee`);
/// everything else from the ledger's events.

public struct AccountHistoryEntry: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// The fee of a transaction the account sent (into the treasury).
        case transactionFee
        /// A request's fee held from the balance; `refunded`, `paid` to workers or `burned` later.
        case escrowed
        case refunded
        /// A worker's (or verifier's) reward for a task.
        case paid
        /// Taken from a worker's stake.
        case slashed
        /// An escrowed fee burned because every attempt failed (the credits had already left the balance).
        case burned
        case transferredOut, transferredIn
        case minted
        /// Free-tier credits minted to pay a fee.
        case freeTierGranted
        case depositHeld, depositReturned
        /// Credits moved from the balance into a worker's stake, and back after an exit.
        case staked, stakeReturned
    }

    public var kind: Kind
    public var height: UInt64
    /// Position of the entry in the account's history: pass it as `before` to read what came earlier.
    public var cursor: String
    /// µcr, always positive; `balanceChange` and `stakeChange` say which way it moved.
    public var amount: MicroCredits
    public var balanceChange: Int64
    public var stakeChange: Int64
    public var task: TaskID?
    public var attempt: Int?
    public var program: ProgramID?
    public var workflow: WorkflowID?
    /// The transaction that paid a fee.
    public var transaction: TransactionHash?
    /// The transaction kind for a fee; the ledger's note otherwise (a refund's reason, a transfer's counterpart).
    public var detail: String?

    public init(kind: Kind, height: UInt64, cursor: String, amount: MicroCredits, balanceChange: Int64, stakeChange: Int64 = 0,
                task: TaskID? = nil, attempt: Int? = nil, program: ProgramID? = nil, workflow: WorkflowID? = nil,
                transaction: TransactionHash? = nil, detail: String? = nil) {
        self.kind = kind; self.height = height; self.cursor = cursor; self.amount = amount; self.balanceChange = balanceChange
        self.stakeChange = stakeChange; self.task = task; self.attempt = attempt; self.program = program; self.workflow = workflow
        self.transaction = transaction; self.detail = detail
    }
}

public struct AccountHistory: Codable, Sendable, Hashable {
    public var address: Address
    public var entries: [AccountHistoryEntry]
    /// Pass as `before` for the next (older) page; nil when there is nothing older.
    public var next: String?

    public init(address: Address, entries: [AccountHistoryEntry], next: String?) {
        self.address = address; self.entries = entries; self.next = next
    }
}

/// The order of an account's history inside a block: a transaction's fee, then the events it caused. An event at
/// position p has key `2p + 1`; the fee of a transaction whose events start at p has key `2p`.
public struct HistoryCursor: Sendable, Hashable, Comparable {
    public var height: UInt64
    public var key: Int64

    public init(height: UInt64, key: Int64) { self.height = height; self.key = key }

    public static func event(height: UInt64, position: Int) -> HistoryCursor { HistoryCursor(height: height, key: Int64(position) * 2 + 1) }
    public static func fee(height: UInt64, firstEvent: Int) -> HistoryCursor { HistoryCursor(height: height, key: Int64(firstEvent) * 2) }

    /// `height:key`.
    public var text: String { "\(height):\(key)" }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 19 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let height = UInt64(parts[0]), let key = Int64(parts[1]) else { return nil }
        self.init(height: height, key: key)
    }

    public static func < (lhs: HistoryCursor, rhs: HistoryCursor) -> Bool { (lhs.height, lhs.key) < (rhs.height, rhs.key) }
}
