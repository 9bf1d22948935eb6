/// Canonical JSON (DESIGN §2): sorted keys (by UTF-8 bytes), no insignificant
/// whitespace, integers only, absent optionals omitted. Signatures, IDs and the
/// state digest are computed over these bytes, so two encoders of the same value
/// always agree.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = CanonicalEncoder(codingPath: [])
        try value.encode(to: encoder)
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encoder.storage.write(into: &out)
        return out
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// SHA-256 (hex) of the canonical encoding of a value made only of integers, strings, booleans, arrays and objects —
    /// every header, genesis and deploy body. Such a value always encodes; a failure is a programming error (a
    /// floating-point field added to a hashed type) and traps with a message, rather than hashing empty bytes.
    public static func hash<T: Encodable>(of value: T) -> String {
        do {
            return SHA256Hex.of(try encode(value))
        } catch {
            preconditionFailure("\(T.self) has no canonical encoding: \(error)")
        }
    }
}

/// A mutable tree node; containers hand out references so nested containers can fill them later.
final class CanonicalNode {
    enum Value {
        case null, bool(Bool), int(Int64), uint(UInt64), string(String)
        /// Object entries in insertion order; sorted (and de-duplicated, last wins) only when written.
        case array([CanonicalNode]), object([(key: String, node: CanonicalNode)])
    }
    var value: Value = .null

    func write(into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .uint(let number): out.append(contentsOf: String(number).utf8)
        case .string(let text): Self.writeString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let entries):
            out.append(UInt8(ascii: "{"))
            let sorted = entries.enumerated().sorted { lhs, rhs in
                lhs.element.key == rhs.element.key ? lhs.offset < rhs.offset : lhs.element.key.utf8.lexicographicallyPrecedes(rhs.element.key.utf8)
            }
            var first = true
            for (index, entry) in sorted.enumerated() {
                // A key encoded twice keeps its last value.
                if index + 1 < sorted.count, sorted[index + 1].element.key == entry.element.key { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.writeString(entry.element.key, into: &out)
                out.append(UInt8(ascii: ":"))
                entry.element.node.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

struct CanonicalEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let storage = CanonicalNode()

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = storage.value {} else { storage.value = .object([]) }
        return KeyedEncodingContainer(CanonicalKeyedContainer<Key>(node: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = storage.value {} else { storage.value = .array([]) }
        return CanonicalUnkeyedContainer(node: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        CanonicalSingleValueContainer(node: storage, codingPath: codingPath)
    }

    static func node<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> CanonicalNode {
        let encoder = CanonicalEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.storage
    }

    static func floatingPointError(_ codingPath: [any CodingKey]) -> EncodingError {
        let path = codingPath.map(\.stringValue).joined(separator: ".")
        return EncodingError.invalidValue(0.0, .init(codingPath: codingPath, debugDescription: "canonical JSON carries integers only; \(path) is floating point"))
    }
}

private func set(_ node: CanonicalNode, key: String, _ child: CanonicalNode) {
    if case .object(var entries) = node.value {
        node.value = .null  // release the old storage so the array is appended to in place
        entries.append((key, child))
        node.value = .object(entries)
    }
}

private func append(_ node: CanonicalNode, _ child: CanonicalNode) {
    if case .array(var items) = node.value {
        node.value = .null
        items.append(child)
        node.value = .array(items)
    }
}

private func leaf(_ value: CanonicalNode.Value) -> CanonicalNode {
    let node = CanonicalNode()
    node.value = value
    return node
}

struct CanonicalKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: CanonicalNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { set(node, key: key.stringValue, leaf(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw CanonicalEncoder.floatingPointError(codingPath + [key]) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw CanonicalEncoder.floatingPointError(codingPath + [key]) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.int(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.uint(UInt64(value)))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(node, key: key.stringValue, leaf(.uint(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(node, key: key.stringValue, try CanonicalEncoder.node(for: value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = leaf(.object([]))
        set(node, key: key.stringValue, child)
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = leaf(.array([]))
        set(node, key: key.stringValue, child)
        return CanonicalUnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { CanonicalEncoder(codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { CanonicalEncoder(codingPath: codingPath + [key]) }
}

struct CanonicalUnkeyedContainer: UnkeyedEncodingContainer {
    let node: CanonicalNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = node.value { return items.count }
        return 0
    }

    mutating func encodeNil() throws { append(node, leaf(.null)) }
    mutating func encode(_ value: Bool) throws { append(node, leaf(.bool(value))) }
    mutating func encode(_ value: String) throws { append(node, leaf(.string(value))) }
    mutating func encode(_ value: Double) throws { throw CanonicalEncoder.floatingPointError(codingPath) }
    mutating func encode(_ value: Float) throws { throw CanonicalEncoder.floatingPointError(codingPath) }
    mutating func encode(_ value: Int) throws { append(node, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: Int64) throws { append(node, leaf(.int(value))) }
    mutating func encode(_ value: UInt64) throws { append(node, leaf(.uint(value))) }
    mutating func encode(_ value: UInt8) throws { append(node, leaf(.uint(UInt64(value)))) }
    mutating func encode(_ value: Int32) throws { append(node, leaf(.int(Int64(value)))) }
    mutating func encode(_ value: UInt32) throws { append(node, leaf(.uint(UInt64(value)))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(node, try CanonicalEncoder.node(for: value, codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = leaf(.object([]))
        append(node, child)
        return KeyedEncodingContainer(CanonicalKeyedContainer<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = leaf(.array([]))
        append(node, child)
        return CanonicalUnkeyedContainer(node: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { CanonicalEncoder(codingPath: codingPath) }
}

struct CanonicalSingleValueContainer: SingleValueEncodingContainer {
    let node: CanonicalNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.value = .null }
    mutating func encode(_ value: Bool) throws { node.value = .bool(value) }
    mutating func encode(_ value: String) throws { node.value = .string(value) }
    mutating func encode(_ value: Double) throws { throw CanonicalEncoder.floatingPointError(codingPath) }
    mutating func encode(_ value: Float) throws { throw CanonicalEncoder.floatingPointError(codingPath) }
    mutating func encode(_ value: Int) throws { node.value = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { node.value = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { node.value = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { node.value = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { node.value = .int(value) }
    mutating func encode(_ value: UInt) throws { node.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { node.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { node.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { node.value = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { node.value = .uint(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try CanonicalEncoder.node(for: value, codingPath: codingPath)
        node.value = child.value
    }
}
