/// The bytes the state digest hashes for a record (docs/PROTOCOL.md, "The state digest"): a binary form of any
/// `Encodable` value that is **injective** — two different values never give the same bytes — and fast enough to run
/// over every record a block changes.
///
/// Every value is written with a one-byte tag: integers as 8 bytes big-endian, strings with an 8-byte length, absent
/// optionals as an explicit `nil` (so no field can slide into another's place), every nested value and every array
/// between begin and end marks, and string-keyed dictionaries sorted by key (with their keys). A struct's field names
/// are not written: its type fixes which fields come in which order, and every one is always written, so the bytes
/// of a value of a given type decode one way only. Floating point is refused (the ledger has none), and so are nested
/// containers, which none of Prova's records use.
public enum DigestEncoding {
    /// The digest bytes of `value`, appended to `bytes`.
    public static func append<T: Encodable>(_ value: T, to bytes: inout [UInt8]) throws {
        // The buffer is reached through a pointer the encoder's containers share: a class property would pay a dynamic
        // exclusivity check on every byte appended, and this runs over every record a block changes.
        let buffer = UnsafeMutablePointer<[UInt8]>.allocate(capacity: 1)
        buffer.initialize(to: [])
        defer {
            swap(&buffer.pointee, &bytes)
            buffer.deinitialize(count: 1)
            buffer.deallocate()
        }
        swap(&buffer.pointee, &bytes)
        try DigestStorage(buffer: buffer).encodeNested(value)
    }

    /// The digest bytes of `value`.
    public static func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try append(value, to: &bytes)
        return bytes
    }
}

/// One-byte tags of the digest encoding.
enum DigestTag {
    static let null: UInt8 = 0x00
    static let falseValue: UInt8 = 0x01
    static let trueValue: UInt8 = 0x02
    static let integer: UInt8 = 0x03
    static let unsigned: UInt8 = 0x04
    static let string: UInt8 = 0x05
    static let key: UInt8 = 0x06
    static let begin: UInt8 = 0x07
    static let end: UInt8 = 0x08
    static let dictionary: UInt8 = 0x09
}

/// The output buffer shared by the encoder and its containers (a pointer to the caller's array).
struct DigestStorage {
    let buffer: UnsafeMutablePointer<[UInt8]>

    @inline(__always) func tag(_ tag: UInt8) { buffer.pointee.append(tag) }

    @inline(__always) func word(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { buffer.pointee.append(contentsOf: $0) }
    }

    func integer(_ value: Int64) {
        tag(DigestTag.integer)
        word(UInt64(bitPattern: value))
    }

    func unsigned(_ value: UInt64) {
        tag(DigestTag.unsigned)
        word(value)
    }

    func string(_ value: String, tag kind: UInt8 = DigestTag.string) {
        tag(kind)
        let utf8 = value.utf8
        word(UInt64(utf8.count))
        buffer.pointee.append(contentsOf: utf8)
    }

    func bool(_ value: Bool) { tag(value ? DigestTag.trueValue : DigestTag.falseValue) }

    /// A nested value, between begin and end marks; string-keyed dictionaries in key order.
    func encodeNested<T: Encodable>(_ value: T) throws {
        // A metatype comparison, not a dynamic cast: this runs for every nested value.
        if T.self == [String: String].self, let dictionary = value as? [String: String] {
            tag(DigestTag.dictionary)
            word(UInt64(dictionary.count))
            for key in dictionary.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                string(key, tag: DigestTag.key)
                string(dictionary[key] ?? "")
            }
            return
        }
        tag(DigestTag.begin)
        try value.encode(to: DigestEncoder(storage: self))
        tag(DigestTag.end)
    }

    static func refused(_ what: String, _ path: [any CodingKey]) -> EncodingError {
        EncodingError.invalidValue(what, EncodingError.Context(
            codingPath: path, debugDescription: "the state digest encoding has no \(what); records must use integers, strings, booleans, arrays and [String: String]"))
    }
}

struct DigestEncoder: Encoder {
    let storage: DigestStorage
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(DigestKeyedContainer<Key>(storage: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        DigestUnkeyedContainer(storage: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        DigestSingleValueContainer(storage: storage, codingPath: codingPath)
    }
}

struct DigestKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: DigestStorage
    var codingPath: [any CodingKey]

    /// Field names are not written (the type fixes the order): a field is its tagged value.
    @inline(__always) private func key(_ key: Key) {}

    mutating func encodeNil(forKey key: Key) throws { self.key(key); storage.tag(DigestTag.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { self.key(key); storage.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { self.key(key); storage.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw DigestStorage.refused("floating point", codingPath + [key]) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw DigestStorage.refused("floating point", codingPath + [key]) }
    mutating func encode(_ value: Int, forKey key: Key) throws { self.key(key); storage.integer(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { self.key(key); storage.integer(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { self.key(key); storage.integer(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { self.key(key); storage.integer(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { self.key(key); storage.integer(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { self.key(key); storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { self.key(key); storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { self.key(key); storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { self.key(key); storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { self.key(key); storage.unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try storage.encodeNested(value)
    }

    // Absent optionals are written as an explicit nil, so the fields of a record always come in the same sequence.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyedContainer<NestedKey>(codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        RefusingUnkeyedContainer(codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder(codingPath: codingPath + [key]) }
}

struct DigestUnkeyedContainer: UnkeyedEncodingContainer {
    let storage: DigestStorage
    var codingPath: [any CodingKey]
    private(set) var count = 0

    init(storage: DigestStorage, codingPath: [any CodingKey]) {
        self.storage = storage
        self.codingPath = codingPath
    }

    mutating func encodeNil() throws { count += 1; storage.tag(DigestTag.null) }
    mutating func encode(_ value: Bool) throws { count += 1; storage.bool(value) }
    mutating func encode(_ value: String) throws { count += 1; storage.string(value) }
    mutating func encode(_ value: Double) throws { throw DigestStorage.refused("floating point", codingPath) }
    mutating func encode(_ value: Float) throws { throw DigestStorage.refused("floating point", codingPath) }
    mutating func encode(_ value: Int) throws { count += 1; storage.integer(Int64(value)) }
    mutating func encode(_ value: Int8) throws { count += 1; storage.integer(Int64(value)) }
    mutating func encode(_ value: Int16) throws { count += 1; storage.integer(Int64(value)) }
    mutating func encode(_ value: Int32) throws { count += 1; storage.integer(Int64(value)) }
    mutating func encode(_ value: Int64) throws { count += 1; storage.integer(value) }
    mutating func encode(_ value: UInt) throws { count += 1; storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { count += 1; storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { count += 1; storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { count += 1; storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { count += 1; storage.unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        count += 1
        try storage.encodeNested(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyedContainer<NestedKey>(codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyedContainer(codingPath: codingPath) }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}

struct DigestSingleValueContainer: SingleValueEncodingContainer {
    let storage: DigestStorage
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { storage.tag(DigestTag.null) }
    mutating func encode(_ value: Bool) throws { storage.bool(value) }
    mutating func encode(_ value: String) throws { storage.string(value) }
    mutating func encode(_ value: Double) throws { throw DigestStorage.refused("floating point", codingPath) }
    mutating func encode(_ value: Float) throws { throw DigestStorage.refused("floating point", codingPath) }
    mutating func encode(_ value: Int) throws { storage.integer(Int64(value)) }
    mutating func encode(_ value: Int8) throws { storage.integer(Int64(value)) }
    mutating func encode(_ value: Int16) throws { storage.integer(Int64(value)) }
    mutating func encode(_ value: Int32) throws { storage.integer(Int64(value)) }
    mutating func encode(_ value: Int64) throws { storage.integer(value) }
    mutating func encode(_ value: UInt) throws { storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { storage.unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { storage.unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try storage.encodeNested(value) }
}

/// What a nested container or super encoder hands out: every write throws, because the digest encoding cannot mark
/// where such a container ends. None of Prova's records uses one; a test encodes every record kind.
struct RefusingEncoder: Encoder {
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RefusingKeyedContainer<Key>(codingPath: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyedContainer(codingPath: codingPath) }
    func singleValueContainer() -> any SingleValueEncodingContainer { RefusingUnkeyedContainer(codingPath: codingPath) }
}

struct RefusingKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey]
    private var refusal: EncodingError { DigestStorage.refused("nested container", codingPath) }
    mutating func encodeNil(forKey key: Key) throws { throw refusal }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw refusal }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyedContainer<NestedKey>(codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RefusingUnkeyedContainer(codingPath: codingPath + [key]) }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder(codingPath: codingPath + [key]) }
}

struct RefusingUnkeyedContainer: UnkeyedEncodingContainer, SingleValueEncodingContainer {
    var codingPath: [any CodingKey]
    var count: Int { 0 }
    private var refusal: EncodingError { DigestStorage.refused("nested container", codingPath) }
    mutating func encodeNil() throws { throw refusal }
    mutating func encode<T: Encodable>(_ value: T) throws { throw refusal }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RefusingKeyedContainer<NestedKey>(codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyedContainer(codingPath: codingPath) }
    mutating func superEncoder() -> any Encoder { RefusingEncoder(codingPath: codingPath) }
}
