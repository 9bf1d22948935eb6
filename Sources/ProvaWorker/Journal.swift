public import Foundation
public import ProvaCore

/// Which side of a task a job is on.
public enum JobRole: String, Codable, Sendable, Hashable {
    case prover, verifier
}

/// One unit of work: proving attempt `attempt` of `task`, or verifying it.
public struct JobKey: Codable, Sendable, Hashable, CustomStringConvertible {
    public var task: TaskID
    public var attempt: Int
    public var role: JobRole
    public init(task: TaskID, attempt: Int, role: JobRole) { self.task = task; self.attempt = attempt; self.role = role }

    public var description: String { "\(role.rawValue) \(task.prefix(12))#\(attempt)" }
    /// A file-system-safe name.
    var fileName: String { "\(task)-\(attempt)-\(role.rawValue).json" }
}

/// What the worker has done for one job, written before each step that the chain will see, so that a restarted
/// worker neither loses nor repeats work: it re-reads the chain, then resumes from here.
public struct JobRecord: Codable, Sendable, Hashable {
    public enum Phase: String, Codable, Sendable, Hashable {
        /// About to send AcceptTask.
        case accepting
        /// Accepted (or a verifier duty): running or about to run.
        case running
        /// The result (or verdict) is known and journaled but not yet on the chain.
        case finished
        /// The submission is signed and journaled; it may or may not have reached the node.
        case submitting
        /// A verifier's commitment is on the chain; the ballot waits here until reveals open.
        case committed
    }

    public var key: JobKey
    public var phase: Phase
    public var program: ProgramID?
    public var resources: Resources?
    public var result: SubmitResult?
    public var verdict: Verdict?
    /// A verifier's vote, salt and transcript, from before its commitment until its reveal: the salt exists only here.
    public var ballot: Ballot?
    /// The exact signed SubmitResult, CommitVote or RevealVote, resent unchanged after a restart (the node answers a known
    /// transaction with its committed status, so resending cannot double-submit).
    public var submission: SignedTransaction?
    /// Seconds since 1970 of the last change; shown by `prova worker status`.
    public var updatedAt: Double

    public init(key: JobKey, phase: Phase, program: ProgramID? = nil, resources: Resources? = nil) {
        self.key = key; self.phase = phase; self.program = program; self.resources = resources
        self.updatedAt = Date().timeIntervalSince1970
    }
}

/// The worker's journal: one JSON file per job in flight under `<data>/journal`, each replaced atomically, plus the
/// event-stream cursor. An actor so concurrent jobs never interleave writes to the same file.
public actor Journal {
    let directory: URL
    let cursorFile: URL

    public init(dataDirectory: URL) {
        directory = WorkerPaths(root: dataDirectory).journal
        cursorFile = WorkerPaths(root: dataDirectory).cursor
    }

    func prepare() throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw WorkerError(.journalUnwritable, "cannot create \(directory.path); check the data directory is writable", cause: "\(error)")
        }
    }

    public func record(_ key: JobKey) -> JobRecord? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(key.fileName).path) else { return nil }
        return try? JSONDecoder().decode(JobRecord.self, from: data)
    }

    public func save(_ record: JobRecord) throws {
        var record = record
        record.updatedAt = Date().timeIntervalSince1970
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(record).write(to: directory.appendingPathComponent(record.key.fileName), options: .atomic)
        } catch {
            throw WorkerError(.journalUnwritable, "cannot write the journal entry of \(record.key); check free space in \(directory.path)", cause: "\(error)")
        }
    }

    public func remove(_ key: JobKey) {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(key.fileName))
    }

    /// Every job in flight, oldest change first. Unreadable files are skipped (they are rewritten or removed later).
    public func all() -> [JobRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).flatMap { try? JSONDecoder().decode(JobRecord.self, from: $0) }
        }.sorted { $0.updatedAt < $1.updatedAt }
    }

    /// The `Last-Event-ID` of the last event handled.
    public func cursor() -> String? {
        guard let data = FileManager.default.contents(atPath: cursorFile.path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return EventStreamID.parse(text) == nil ? nil : text
    }

    public func saveCursor(_ id: String) {
        try? Data((id + "\n").utf8).write(to: cursorFile, options: .atomic)
    }
}
