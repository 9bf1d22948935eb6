import Crypto
import ProvaCore

/// The state digest (DESIGN §4, docs/PROTOCOL.md "The state digest"): a running SHA-256 that commits to every state
/// change, so two validators that differ in any record after a block see different digests at once.
///
/// `digest(n) = SHA-256(domain ‖ digest(n−1) ‖ header position ‖ changed records ‖ totals ‖ events)`, every part in the
/// injective digest encoding of ProvaCore (`DigestEncoding`): the header's height, timestamp, proposer and transactions
/// hash; then, kind by kind in a fixed order, each changed record's key and its whole new value, in key order
/// (reservations of capacity included, since they are part of the worker record); then the totals; then every event of
/// the block in order. Nothing a sender writes (a decline reason, a memo) can be mistaken for another field.
extension Ledger {
    static let stateDigestDomain = "prova/state-digest/v2"

    func nextDigest(after header: BlockHeader) -> String {
        var writer = DigestWriter()
        writer.write(Self.stateDigestDomain)
        writer.write(state.stateDigest)
        writer.write(header.height)
        writer.write(header.timestampMilliseconds)
        writer.write(header.proposer)
        writer.write(header.transactionsHash)
        let changes = state.changes
        writer.section("accounts", changes.accounts) { state.accounts[$0] }
        writer.section("programs", changes.programs) { state.programs[$0] }
        writer.section("tasks", changes.tasks) { state.tasks[$0] }
        writer.section("workers", changes.workers) { state.workers[$0] }
        writer.section("proverSets", changes.proverSets) { state.proverSets[$0] }
        writer.section("workflows", changes.workflows) { state.workflows[$0] }
        writer.write("totals")
        writer.write(state.totals)
        writer.write("events")
        writer.write(UInt64(events.count))
        for event in events { writer.write(event) }
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
        if bytes.count >= 1 << 16 {
            hasher.update(data: bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    /// A kind of record: its name, how many changed, then each key with its new value (nil for a removed record).
    mutating func section<Key: Comparable & Encodable, Record: Encodable>(_ name: String, _ keys: Set<Key>, _ record: (Key) -> Record?) {
        write(name)
        write(UInt64(keys.count))
        for key in keys.sorted() {
            write(key)
            write(record(key))
        }
    }

    mutating func finish() -> String {
        hasher.update(data: bytes)
        return Hex.encode(hasher.finalize())
    }
}
