import GRDB

/// The SQLite schema of a validator's chain database.
enum ChainSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE blocks (
                    height INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, header TEXT NOT NULL,
                    transactions TEXT NOT NULL, outcomes TEXT NOT NULL, transactionCount INTEGER NOT NULL, eventCount INTEGER NOT NULL);
                CREATE TABLE transactions (hash TEXT PRIMARY KEY, height INTEGER NOT NULL, position INTEGER NOT NULL);
                CREATE TABLE events (
                    height INTEGER NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL,
                    task TEXT, worker TEXT, account TEXT, body TEXT NOT NULL, PRIMARY KEY (height, position));
                CREATE INDEX events_task ON events(task, height);
                CREATE INDEX events_worker ON events(worker, height);
                CREATE INDEX events_account ON events(account, height);
                CREATE TABLE accounts (address TEXT PRIMARY KEY, body TEXT NOT NULL);
                CREATE TABLE programs (id TEXT PRIMARY KEY, deployedAt INTEGER NOT NULL, body TEXT NOT NULL);
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY, sequence INTEGER NOT NULL, requester TEXT NOT NULL, program TEXT NOT NULL,
                    state TEXT NOT NULL, body TEXT NOT NULL);
                CREATE INDEX tasks_sequence ON tasks(sequence);
                CREATE INDEX tasks_requester ON tasks(requester, sequence);
                CREATE INDEX tasks_program ON tasks(program, sequence);
                CREATE INDEX tasks_state ON tasks(state, sequence);
                CREATE TABLE task_workers (task TEXT NOT NULL, worker TEXT NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY (task, worker));
                CREATE INDEX task_workers_worker ON task_workers(worker, sequence);
                CREATE TABLE workers (address TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL);
                CREATE TABLE prover_sets (name TEXT PRIMARY KEY, body TEXT NOT NULL);
                CREATE TABLE workflows (id TEXT PRIMARY KEY, requester TEXT NOT NULL, submittedAt INTEGER NOT NULL, body TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2-blob-references") { db in
            // Every blob a committed transaction (or the genesis) names: kept by the garbage collector, and uploadable by anyone.
            try db.execute(sql: "CREATE TABLE blob_refs (digest TEXT PRIMARY KEY, height INTEGER NOT NULL)")
        }
        migrator.registerMigration("v3-transaction-bodies") { db in
            // Each committed transaction with its outcome, so looking one up (a transaction sent again, GET
            // /v1/transactions/{hash}) decodes that one, not its whole block.
            try db.execute(sql: "ALTER TABLE transactions ADD COLUMN body TEXT NOT NULL DEFAULT ''")
            try db.execute(sql: "ALTER TABLE transactions ADD COLUMN outcome TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v4-account-history") { db in
            // An account's history (GET /v1/accounts/{address}/history): the fees it paid, found by the sender its
            // transactions' outcomes name, and the transfers it received, named by the `transferred` event's detail.
            try db.execute(sql: """
                CREATE INDEX transactions_sender ON transactions(\(AccountHistoryQueries.outcomeSender), height);
                CREATE INDEX events_transfer_recipient ON events(\(AccountHistoryQueries.transferRecipient), height) WHERE kind = 'transferred';
                """)
        }
        migrator.registerMigration("v5-block-signatures") { db in
            // The proposer's signature of each block: every validator that applies the block checks it (docs/PROTOCOL.md "Proposers").
            try db.execute(sql: "ALTER TABLE blocks ADD COLUMN signature TEXT NOT NULL DEFAULT ''")
        }
        return migrator
    }
}
