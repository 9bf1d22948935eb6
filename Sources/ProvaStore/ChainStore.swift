public import Foundation
import GRDB
public import ProvaCore
public import ProvaLedger

/// A validator's chain on disk: blocks, transactions, events and every ledger record, in one SQLite file (WAL).
/// A block and all the state changes it made are written in one SQLite transaction, so a validator killed at
/// any instant restarts at its last committed block with an identical state digest.
///
/// A final class rather than an actor: `DatabasePool` already serializes writes and lets reads run concurrently,
/// and an actor would queue the API's reads behind block commits.
public final class ChainStore: Sendable {
    let pool: DatabasePool
    public let path: String

    public init(directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("chain.sqlite").path
            var configuration = Configuration()
            // Full durability: a commit acknowledged to a user survives power loss.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            pool = try DatabasePool(path: path, configuration: configuration)
            try ChainSchema.migrator().migrate(pool)
        } catch {
            throw StoreError(.storeOpenFailed, "cannot open the chain database in \(directory.path); check the directory exists, is writable and is not used by another node", cause: "\(error)")
        }
    }

    // MARK: Genesis

    /// The chain's genesis, stored once by `saveGenesis`.
    public func genesis() throws -> Genesis? {
        try read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis'") else { return nil }
            return try JSON.decode(Genesis.self, text)
        }
    }

    /// Stores the genesis and the initial records. Refuses a different genesis for an existing chain.
    public func saveGenesis(_ genesis: Genesis, ledger: Ledger) throws {
        try write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis'") {
                guard try JSON.decode(Genesis.self, existing).hash == genesis.hash else {
                    throw StoreError(.genesisMismatch, "this data directory holds another chain; use a new --data-dir or the same genesis")
                }
                return
            }
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('genesis', ?)", arguments: [try JSON.encode(genesis)])
            try Self.writeAll(ledger.snapshot, db: db)
            for digest in [genesis.capacityTestProgram.prover.digest, genesis.capacityTestProgram.verifier.digest] {
                try db.execute(sql: "INSERT OR IGNORE INTO blob_refs (digest, height) VALUES (?, 0)", arguments: [digest])
            }
        }
    }

    // MARK: Commit

    /// Writes a block, its transactions and events, the records it changed and the new chain position, atomically.
    public func commit(_ outcome: BlockOutcome, state: LedgerState) throws {
        let block = outcome.block
        let header = block.header
        try write { db in
            // Each transaction and outcome is encoded once: alone for its own row, and joined into the block's arrays
            // (sorted-key JSON of an array is its elements' encodings between brackets).
            let bodies = try block.transactions.map { try JSON.encode($0) }
            let outcomes = try outcome.transactions.map { try JSON.encode($0) }
            try db.execute(sql: """
                INSERT INTO blocks (height, hash, header, transactions, outcomes, transactionCount, eventCount, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [header.height, header.hash, try JSON.encode(header), "[" + bodies.joined(separator: ",") + "]",
                                 "[" + outcomes.joined(separator: ",") + "]", block.transactions.count, outcome.events.count, block.signature])
            for (result, encoded) in zip(outcome.transactions, outcomes) {
                try db.execute(sql: "INSERT INTO transactions (hash, height, position, body, outcome) VALUES (?, ?, ?, ?, ?)",
                               arguments: [result.hash, header.height, result.index, bodies[result.index], encoded])
            }
            for transaction in block.transactions {
                for digest in transaction.body.referencedBlobs {
                    try db.execute(sql: "INSERT OR IGNORE INTO blob_refs (digest, height) VALUES (?, ?)", arguments: [digest, header.height])
                }
            }
            for (index, event) in outcome.events.enumerated() {
                try db.execute(sql: "INSERT INTO events (height, position, kind, task, worker, account, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [header.height, index, event.kind.rawValue, event.task, event.worker, event.account, try JSON.encode(event)])
            }
            let changes = outcome.changes
            for key in changes.accounts { if let record = state.accounts[key] { try Self.write(record, db: db) } }
            for key in changes.programs { if let record = state.programs[key] { try Self.write(record, db: db) } }
            for key in changes.tasks { if let record = state.tasks[key] { try Self.write(record, db: db) } }
            for key in changes.workers { if let record = state.workers[key] { try Self.write(record, db: db) } }
            for key in changes.proverSets { if let record = state.proverSets[key] { try Self.write(record, db: db) } }
            for key in changes.workflows { if let record = state.workflows[key] { try Self.write(record, db: db) } }
            try Self.writePosition(height: state.height, hash: state.lastBlockHash, timestamp: state.lastTimestampMilliseconds,
                                   digest: state.stateDigest, totals: state.totals, db: db)
        }
    }

    // MARK: Loading

    /// Loads the ledger at the last committed block and checks that its stored digest is the one the last block's header carries.
    public func loadLedger() throws -> Ledger? {
        guard let genesis = try genesis() else { return nil }
        return try read { db in
            guard let heightText = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'height'"), let height = UInt64(heightText) else {
                return try Ledger(genesis: genesis)
            }
            let meta = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0["key"] as String, $0["value"] as String) })
            guard let hash = meta["lastBlockHash"], let timestamp = meta["lastTimestamp"].flatMap({ Int64($0) }), let digest = meta["stateDigest"],
                  let totalsText = meta["totals"] else {
                throw StoreError(.corruptStore, "the chain database lacks its position records; restore a backup or start a new data directory")
            }
            // The beacon the next block is proved over: the last block's (the genesis beacon before block 1).
            var beacon = genesis.beacon
            if height > 0 {
                guard let headerText = try String.fetchOne(db, sql: "SELECT header FROM blocks WHERE height = ?", arguments: [height]) else {
                    throw StoreError(.corruptStore, "block \(height) is missing from the chain database")
                }
                let header = try JSON.decode(BlockHeader.self, headerText)
                guard header.stateDigest == digest, header.hash == hash else {
                    throw StoreError(.digestMismatch, "the stored state digest \(digest.prefix(16)) differs from block \(height)'s \(header.stateDigest.prefix(16)); the database is corrupt — restore a backup or resync")
                }
                beacon = header.beacon
            }
            let snapshot = LedgerSnapshot(
                height: height, lastBlockHash: hash, lastBeacon: beacon, lastTimestampMilliseconds: timestamp, stateDigest: digest,
                totals: try JSON.decode(LedgerState.Totals.self, totalsText),
                accounts: try Self.all(Account.self, table: "accounts", db: db), programs: try Self.all(Program.self, table: "programs", db: db),
                tasks: try Self.all(TaskRecord.self, table: "tasks", db: db), workers: try Self.all(Worker.self, table: "workers", db: db),
                proverSets: try Self.all(ProverSet.self, table: "prover_sets", db: db), workflows: try Self.all(Workflow.self, table: "workflows", db: db))
            return try Ledger(genesis: genesis, restoring: snapshot)
        }
    }

    // MARK: Access

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as StoreError { throw error } catch let error as LedgerError { throw error } catch {
            throw StoreError(.storeReadFailed, "reading the chain database failed", cause: "\(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as StoreError { throw error } catch {
            throw StoreError(.storeWriteFailed, "writing the chain database failed; check free disk space and permissions", cause: "\(error)")
        }
    }

    static func all<T: Decodable>(_ type: T.Type, table: String, db: Database) throws -> [T] {
        try String.fetchAll(db, sql: "SELECT body FROM \(table)").map { try JSON.decode(T.self, $0) }
    }

    static func writeAll(_ snapshot: LedgerSnapshot, db: Database) throws {
        for record in snapshot.accounts { try write(record, db: db) }
        for record in snapshot.programs { try write(record, db: db) }
        for record in snapshot.tasks { try write(record, db: db) }
        for record in snapshot.workers { try write(record, db: db) }
        for record in snapshot.proverSets { try write(record, db: db) }
        for record in snapshot.workflows { try write(record, db: db) }
        try writePosition(height: snapshot.height, hash: snapshot.lastBlockHash, timestamp: snapshot.lastTimestampMilliseconds,
                          digest: snapshot.stateDigest, totals: snapshot.totals, db: db)
    }

    static func writePosition(height: UInt64, hash: String, timestamp: Milliseconds, digest: String, totals: LedgerState.Totals, db: Database) throws {
        for (key, value) in [("height", String(height)), ("lastBlockHash", hash), ("lastTimestamp", String(timestamp)),
                             ("stateDigest", digest), ("totals", try JSON.encode(totals))] {
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
        }
    }

    static func write(_ account: Account, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO accounts (address, body) VALUES (?, ?)", arguments: [account.address, try JSON.encode(account)])
    }

    static func write(_ program: Program, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO programs (id, deployedAt, body) VALUES (?, ?, ?)",
                       arguments: [program.id, program.deployedAtHeight, try JSON.encode(program)])
    }

    static func write(_ task: TaskRecord, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO tasks (id, sequence, requester, program, state, body) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [task.id, task.sequence, task.requester, task.program, task.state.rawValue, try JSON.encode(task)])
        var workers = Set(task.attempts.compactMap(\.worker))
        for attempt in task.attempts { for duty in attempt.verifiers { workers.insert(duty.worker) } }
        for worker in workers {
            try db.execute(sql: "INSERT OR IGNORE INTO task_workers (task, worker, sequence) VALUES (?, ?, ?)", arguments: [task.id, worker, task.sequence])
        }
    }

    static func write(_ worker: Worker, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO workers (address, status, body) VALUES (?, ?, ?)",
                       arguments: [worker.address, worker.status.rawValue, try JSON.encode(worker)])
    }

    static func write(_ set: ProverSet, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO prover_sets (name, body) VALUES (?, ?)", arguments: [set.name, try JSON.encode(set)])
    }

    static func write(_ workflow: Workflow, db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO workflows (id, requester, submittedAt, body) VALUES (?, ?, ?, ?)",
                       arguments: [workflow.id, workflow.requester, workflow.submittedAtMilliseconds, try JSON.encode(workflow)])
    }
}

/// JSON for stored bodies: Foundation's coder with sorted keys (stable files, easy to diff).
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
