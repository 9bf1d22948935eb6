import Crypto
import ProvaCore

/// The state digest (DESIGN §4, docs/PROTOCOL.md "The state digest"): a running SHA-256 that commits to every state
/// change, so two validators that differ in any record after a block see different digests at once.
///
/// `digest(n) = SHA-256(domain ‖ digest(n−1) ‖ header position ‖ changed records ‖ totals ‖ events)`, every part in the
/// injective digest encoding of ProvaCore (`DigestEncoding`): the header's height, timestamp, proposer, beacon and
/// transactions hash; then, kind by kind in a fixed order, each changed record's key and its whole new value, in the order the block first changed them
/// (reservations of capacity included, since they are part of the worker record); then the totals; then every event of
/// the block in order. Nothing a sender writes (a decline reason, a memo) can be mistaken for another field.
extension Ledger {
    static let stateDigestDomain = "prova/state-digest/v3"

    func nextDigest(after header: BlockHeader) -> String {
        var writer = DigestWriter()
        writer.write(Self.stateDigestDomain)
        writer.write(state.stateDigest)
        writer.write(header.height)
        writer.write(header.timestampMilliseconds)
        writer.write(header.proposer)
        writer.write(header.beacon)
        writer.write(header.transactionsRoot)
        let changes = state.changes
        // Accounts, tasks, workers and events, changed by the thousand in a busy block, take the encoding's fast path.
        writer.section("accounts", changes.accounts) { key, bytes in
            if let record = state.accounts[key] { DigestEncoding.appendRecord(record, to: &bytes) } else { bytes.append(0) }
        }
        writer.section("programs", changes.programs) { state.programs[$0] }
        writer.section("tasks", changes.tasks) { key, bytes in
            if let record = state.tasks[key] { DigestEncoding.appendRecord(record, to: &bytes) } else { bytes.append(0) }
        }
        writer.section("workers", changes.workers) { key, bytes in
            if let record = state.workers[key] { DigestEncoding.appendRecord(record, to: &bytes) } else { bytes.append(0) }
        }
        writer.section("proverSets", changes.proverSets) { state.proverSets[$0] }
        writer.section("workflows", changes.workflows) { state.workflows[$0] }
        writer.write("totals")
        writer.write(state.totals)
        writer.write("events")
        writer.write(UInt64(events.count))
        for event in events { writer.append { DigestEncoding.appendRecord(event, to: &$0) } }
        return writer.finish()
    }
}

/// Streams digest-encoded values into a SHA-256, in chunks.
struct DigestWriter {
    private var hasher = SHA256()
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func write<T: Encodable>(_ value: T) {
        do {
            try DigestEncoding.append(value, to: &bytes)
        } catch {
            // Only a record type the encoding cannot express gets here (a float, a nested container): a programming
            // error that the digest tests catch, never something a transaction can cause.
            preconditionFailure("the state digest cannot encode \(T.self): \(error)")
        }
        flushIfFull()
    }

    /// A kind of record: its name, how many changed, then each key with its new value (nil for a removed record).
    mutating func section<Key: Encodable, Record: Encodable>(_ name: String, _ keys: ChangedKeys<Key>, _ record: (Key) -> Record?) {
        section(name, keys) { key, bytes in
            do { try DigestEncoding.append(record(key), to: &bytes) } catch {
                preconditionFailure("the state digest cannot encode \(Record.self): \(error)")
            }
        }
    }

    /// A section whose records `append` writes itself (the fast path; a removed record is the nil tag, 0).
    mutating func section<Key: Encodable>(_ name: String, _ keys: ChangedKeys<Key>, _ append: (Key, inout [UInt8]) -> Void) {
        write(name)
        write(UInt64(keys.count))
        for key in keys {
            write(key)
            self.append { append(key, &$0) }
        }
    }

    /// Bytes written straight into the buffer.
    mutating func append(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
        flushIfFull()
    }

    private mutating func flushIfFull() {
        if bytes.count >= 1 << 16 {
            hasher.update(data: bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    mutating func finish() -> String {
        hasher.update(data: bytes)
        return Hex.encode(hasher.finalize())
    }
}
