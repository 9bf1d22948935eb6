import ProvaCore

/// Why the simulator sends a transaction: what it must still be true for it to be worth sending, and what
/// to remember about it once the ledger has included it.
enum Purpose: Sendable {
    /// A new request; `classIndex` and `arrival` follow the task it creates into the metrics.
    case request(classIndex: Int, arrival: Milliseconds)
    case workflow(classIndex: Int, arrival: Milliseconds)
    case accept(task: TaskID, attempt: Int)
    case result(task: TaskID, attempt: Int)
    case vote(task: TaskID, attempt: Int)
    case reveal(task: TaskID, attempt: Int)
    /// A race was won: the requester stops the other racers.
    case cancelRace(task: TaskID)
    case deploy
}

/// One transaction the simulator will submit, waiting for its block.
struct ScheduledTransaction: Sendable {
    var sender: Address
    var body: TransactionBody
    var purpose: Purpose
}

/// Transactions waiting for the block whose timestamp first reaches their due time, as a worker's or user's
/// transaction reaches the next block after it is sent.
struct Outbox: Sendable {
    private var byHeight: [UInt64: [ScheduledTransaction]] = [:]
    let genesisMilliseconds: Milliseconds
    let interval: Milliseconds

    init(genesisMilliseconds: Milliseconds, interval: Milliseconds) {
        self.genesisMilliseconds = genesisMilliseconds
        self.interval = interval
    }

    /// The first block at or after `time`, but never earlier than `earliest`.
    func height(for time: Milliseconds, earliest: UInt64) -> UInt64 {
        let offset = max(time - genesisMilliseconds, 0)
        let height = UInt64((offset + interval - 1) / interval)
        return max(height, earliest)
    }

    mutating func schedule(_ transaction: ScheduledTransaction, atHeight height: UInt64) {
        byHeight[height, default: []].append(transaction)
    }

    mutating func take(height: UInt64) -> [ScheduledTransaction] {
        byHeight.removeValue(forKey: height) ?? []
    }

    var isEmpty: Bool { byHeight.isEmpty }
}
