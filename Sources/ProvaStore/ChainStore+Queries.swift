import GRDB
public import ProvaCore

/// Read queries the API serves from disk: block history, transactions, event replay and filtered lists.
extension ChainStore {
    public func blockSummaries(limit: Int, before: UInt64?) throws -> [BlockSummary] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT hash, header, transactionCount, eventCount FROM blocks WHERE height < ? ORDER BY height DESC LIMIT ?
                """, arguments: [before.map { Int64($0) } ?? Int64.max, limit])
            return try rows.map { row in
                BlockSummary(hash: row["hash"], header: try JSON.decode(BlockHeader.self, row["header"]),
                             transactionCount: row["transactionCount"], eventCount: row["eventCount"])
            }
        }
    }

    public func block(height: UInt64) throws -> BlockDetail? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT hash, header, transactions, outcomes, signature FROM blocks WHERE height = ?", arguments: [height]) else { return nil }
            let block = Block(header: try JSON.decode(BlockHeader.self, row["header"]), transactions: try JSON.decode([SignedTransaction].self, row["transactions"]),
                      signature: row["signature"])
            let events = try String.fetchAll(db, sql: "SELECT body FROM events WHERE height = ? ORDER BY position", arguments: [height])
                .map { try JSON.decode(LedgerEvent.self, $0) }
            return BlockDetail(hash: row["hash"], block: block, outcomes: try JSON.decode([TransactionOutcome].self, row["outcomes"]), events: events)
        }
    }

    /// Every committed block from `height` on, in order: for replay checks and for validators catching up.
    public func blocks(from height: UInt64, limit: Int) throws -> [Block] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT header, transactions, signature FROM blocks WHERE height >= ? ORDER BY height LIMIT ?", arguments: [height, limit]).map { row in
                Block(header: try JSON.decode(BlockHeader.self, row["header"]), transactions: try JSON.decode([SignedTransaction].self, row["transactions"]),
                      signature: row["signature"])
            }
        }
    }

    public func committedTransaction(_ hash: TransactionHash) throws -> TransactionStatus? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT height, body, outcome FROM transactions WHERE hash = ?", arguments: [hash]) else { return nil }
            let height: UInt64 = row["height"]
            let transaction = try JSON.decode(SignedTransaction.self, row["body"])
            let outcome = try JSON.decode(TransactionOutcome.self, row["outcome"])
            let events = try String.fetchAll(db, sql: "SELECT body FROM events WHERE height = ? AND position >= ? AND position < ? ORDER BY position",
                                             arguments: [height, outcome.firstEvent, outcome.firstEvent + outcome.eventCount]).map { try JSON.decode(LedgerEvent.self, $0) }
            return TransactionStatus(hash: hash, status: .committed, height: height, outcome: outcome, events: events, transaction: transaction)
        }
    }

    /// Stored events after `(height, position)`, optionally filtered, oldest first, at most `limit`.
    public func events(after height: UInt64, position: Int, task: TaskID?, worker: Address?, account: Address?, limit: Int) throws -> [(height: UInt64, position: Int, event: LedgerEvent)] {
        try read { db in
            var conditions = ["(height > ? OR (height = ? AND position > ?))"]
            var arguments: [any DatabaseValueConvertible] = [height, height, position]
            if let task { conditions.append("task = ?"); arguments.append(task) }
            if let worker { conditions.append("worker = ?"); arguments.append(worker) }
            if let account { conditions.append("(account = ? OR worker = ?)"); arguments.append(account); arguments.append(account) }
            arguments.append(limit)
            return try Row.fetchAll(db, sql: "SELECT height, position, body FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY height, position LIMIT ?",
                                    arguments: StatementArguments(arguments)).map { row in
                (row["height"], row["position"], try JSON.decode(LedgerEvent.self, row["body"]))
            }
        }
    }

    /// Tasks, newest first, filtered by any of state, requester, program and worker (prover or verifier).
    public func tasks(state: TaskState?, requester: Address?, program: ProgramID?, worker: Address?, limit: Int) throws -> [TaskRecord] {
        try read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let state { conditions.append("state = ?"); arguments.append(state.rawValue) }
            if let requester { conditions.append("requester = ?"); arguments.append(requester) }
            if let program { conditions.append("program = ?"); arguments.append(program) }
            if let worker { conditions.append("id IN (SELECT task FROM task_workers WHERE worker = ?)"); arguments.append(worker) }
            arguments.append(limit)
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try String.fetchAll(db, sql: "SELECT body FROM tasks \(filter) ORDER BY sequence DESC LIMIT ?", arguments: StatementArguments(arguments))
                .map { try JSON.decode(TaskRecord.self, $0) }
        }
    }

    public func programs(limit: Int) throws -> [Program] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT body FROM programs ORDER BY deployedAt DESC, id LIMIT ?", arguments: [limit]).map { try JSON.decode(Program.self, $0) }
        }
    }

    public func workflows(requester: Address?, limit: Int) throws -> [Workflow] {
        try read { db in
            let filter = requester == nil ? "" : "WHERE requester = ?"
            var arguments: [any DatabaseValueConvertible] = []
            if let requester { arguments.append(requester) }
            arguments.append(limit)
            return try String.fetchAll(db, sql: "SELECT body FROM workflows \(filter) ORDER BY submittedAt DESC LIMIT ?", arguments: StatementArguments(arguments))
                .map { try JSON.decode(Workflow.self, $0) }
        }
    }

    /// Whether a committed transaction (or the genesis) names the blob `digest`.
    public func isBlobReferenced(_ digest: String) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM blob_refs WHERE digest = ?", arguments: [digest]) ?? false }
    }

    /// Every blob a committed transaction (or the genesis) names.
    public func referencedBlobs() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT digest FROM blob_refs")) }
    }
}
