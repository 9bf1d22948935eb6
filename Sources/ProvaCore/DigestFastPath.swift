/// The digest encoding of the records a busy block changes by the thousand — tasks, workers, accounts, events —
/// written field by field instead of through `Codable` (five to ten times faster). The bytes are exactly those of
/// `DigestEncoding.append(_:to:)`, which stays the definition of the format: a test encodes records with every field
/// set, and with every optional absent, both ways and compares, so a field added to a record and not here fails it.
extension DigestEncoding {
    public static func appendRecord(_ task: TaskRecord, to bytes: inout [UInt8]) {
        var writer = FastDigestWriter(bytes: bytes)
        bytes = []
        writer.task(task)
        bytes = writer.bytes
    }

    public static func appendRecord(_ worker: Worker, to bytes: inout [UInt8]) {
        var writer = FastDigestWriter(bytes: bytes)
        bytes = []
        writer.worker(worker)
        bytes = writer.bytes
    }

    public static func appendRecord(_ account: Account, to bytes: inout [UInt8]) {
        var writer = FastDigestWriter(bytes: bytes)
        bytes = []
        writer.account(account)
        bytes = writer.bytes
    }

    public static func appendRecord(_ event: LedgerEvent, to bytes: inout [UInt8]) {
        var writer = FastDigestWriter(bytes: bytes)
        bytes = []
        writer.event(event)
        bytes = writer.bytes
    }
}

/// Writes what the `Codable` digest encoder writes, for the types below: a value nested in a struct or array is
/// wrapped in begin/end marks (enums too: their raw value is a nested single value), a struct's fields follow in
/// declaration order with absent optionals as nil, and arrays hold their elements between marks.
struct FastDigestWriter {
    var bytes: [UInt8]

    @inline(__always) mutating func tag(_ tag: UInt8) { bytes.append(tag) }

    @inline(__always) mutating func word(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func int(_ value: Int64) {
        tag(DigestTag.integer)
        word(UInt64(bitPattern: value))
    }

    @inline(__always) mutating func int(_ value: Int) { int(Int64(value)) }

    @inline(__always) mutating func uint(_ value: UInt64) {
        tag(DigestTag.unsigned)
        word(value)
    }

    @inline(__always) mutating func bool(_ value: Bool) { tag(value ? DigestTag.trueValue : DigestTag.falseValue) }

    @inline(__always) mutating func string(_ value: String) {
        tag(DigestTag.string)
        let utf8 = value.utf8
        word(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    @inline(__always) mutating func null() { tag(DigestTag.null) }

    mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    mutating func int(_ value: Int64?) { if let value { int(value) } else { null() } }
    mutating func int(_ value: Int?) { if let value { int(value) } else { null() } }

    /// A nested value (struct, enum, array) between begin and end marks.
    @inline(__always) mutating func nested(_ body: (inout FastDigestWriter) -> Void) {
        tag(DigestTag.begin)
        body(&self)
        tag(DigestTag.end)
    }

    /// An enum with a string raw value: a nested single value.
    mutating func enumeration<E: RawRepresentable>(_ value: E) where E.RawValue == String {
        nested { $0.string(value.rawValue) }
    }

    /// An array of strings: `Array.encode` goes through the generic `encode<T>`, so each string is a nested single value.
    mutating func strings(_ values: [String]) {
        nested { writer in for value in values { writer.nested { $0.string(value) } } }
    }

    mutating func array<T>(_ values: [T], _ element: (inout FastDigestWriter, T) -> Void) {
        nested { writer in for value in values { writer.nested { element(&$0, value) } } }
    }

    mutating func dictionary(_ values: [String: String]) {
        tag(DigestTag.dictionary)
        word(UInt64(values.count))
        for key in values.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            tag(DigestTag.key)
            let utf8 = key.utf8
            word(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
            string(values[key] ?? "")
        }
    }

    // MARK: Records

    mutating func resources(_ value: Resources) {
        nested { $0.int(value.cpuMillicores); $0.int(value.memoryBytes); $0.int(value.gpus) }
    }

    mutating func input(_ value: InputRef) {
        string(value.path); string(value.digest); int(value.size); string(value.url)
    }

    mutating func output(_ value: OutputRef) {
        string(value.path); string(value.digest); int(value.size)
    }

    mutating func result(_ value: SubmitResult) {
        string(value.task); int(value.attempt); int(Int64(value.exitCode)); bool(value.timedOut); bool(value.oomKilled)
        array(value.outputs) { $0.output($1) }
        string(value.stdoutDigest); string(value.stderrDigest)
        nested { $0.int(value.usage.wallMilliseconds); $0.int(value.usage.cpuMilliseconds); $0.int(value.usage.peakMemoryBytes) }
        string(value.message)
    }

    mutating func duty(_ value: VerifierDuty) {
        string(value.worker); int(value.drawnAtMilliseconds); int(value.deadlineMilliseconds); enumeration(value.state)
        if let vote = value.vote { enumeration(vote) } else { null() }
        string(value.commitment)
        if let transcript = value.transcript { nested { $0.transcript(transcript) } } else { null() }
    }

    mutating func transcript(_ value: VoteTranscript) {
        int(Int64(value.exitCode)); bool(value.timedOut); bool(value.oomKilled); string(value.stdoutDigest); string(value.stderrDigest)
        string(value.checked)
    }

    mutating func slot(_ value: Slot) {
        int(value.index); enumeration(value.state); int(value.fee); int(value.failedAttempts); int(value.waitingSinceMilliseconds)
        uint(value.waitingSinceHeight); int(value.currentAttempt)
    }

    mutating func attempt(_ value: Attempt) {
        int(value.number); int(value.slot); string(value.worker); enumeration(value.state); int(value.assignedAtMilliseconds)
        int(value.acceptDeadlineMilliseconds); int(value.acceptedAtMilliseconds); int(value.runDeadlineMilliseconds)
        if let result = value.result { nested { $0.result(result) } } else { null() }
        int(value.deliveredAtMilliseconds); uint(value.verifierDrawCauseHeight)
        array(value.verifiers) { $0.duty($1) }
        int(value.verifiersNeeded); int(value.verifierReplacements); int(value.decidedAtMilliseconds); string(value.failure)
        int(value.revealDeadlineMilliseconds)
    }

    mutating func task(_ value: TaskRecord) {
        nested { writer in
            writer.string(value.id); writer.enumeration(value.kind); writer.string(value.requester); writer.string(value.program)
            writer.array(value.inputs) { $0.input($1) }
            writer.array(value.proof) { $0.input($1) }
            writer.resources(value.resources); writer.int(value.timeLimitSeconds); writer.strings(value.environment)
            writer.int(value.redundancy); writer.int(value.verifierCount); writer.string(value.proverSet); writer.string(value.workflow)
            writer.string(value.step); writer.string(value.targetWorker); writer.int(value.feePerSlot); writer.int(value.escrow)
            writer.enumeration(value.state); writer.int(value.submittedAtMilliseconds); writer.uint(value.submittedAtHeight)
            writer.int(value.deliveredAtMilliseconds); writer.int(value.completedAtMilliseconds)
            writer.array(value.slots) { $0.slot($1) }
            writer.array(value.attempts) { $0.attempt($1) }
            writer.strings(value.provers); writer.int(value.paid); writer.int(value.refunded); writer.int(value.burned)
            writer.string(value.failure); writer.int(value.verifiedAttempt); writer.int(value.draws); writer.int(value.sequence)
        }
    }

    mutating func worker(_ value: Worker) {
        nested { writer in
            writer.string(value.address); writer.resources(value.capacity); writer.int(value.diskBytes); writer.dictionary(value.labels)
            writer.int(value.stake); writer.string(value.endpoint); writer.enumeration(value.status); writer.resources(value.reserved)
            writer.int(value.strikes); writer.int(value.jailedUntilMilliseconds); writer.int(value.exitAtMilliseconds)
            writer.int(value.registeredAtMilliseconds); writer.string(value.capacityTest); writer.strings(value.proverSets)
            writer.int(value.earned); writer.int(value.slashed); writer.int(value.tasksProved); writer.int(value.votesCast)
            writer.int(value.assignments)
        }
    }

    mutating func account(_ value: Account) {
        nested { writer in
            writer.string(value.address); writer.int(value.balance); writer.uint(value.nonce); writer.int(value.freeTierUsed)
            writer.int(value.freeTierPeriodStartMilliseconds)
        }
    }

    mutating func event(_ value: LedgerEvent) {
        nested { writer in
            writer.enumeration(value.kind); writer.uint(value.height); writer.string(value.task); writer.int(value.attempt)
            writer.string(value.worker); writer.string(value.account); writer.string(value.program); writer.string(value.workflow)
            writer.int(value.amount); writer.int(value.deadlineMilliseconds); writer.string(value.detail)
        }
    }
}
