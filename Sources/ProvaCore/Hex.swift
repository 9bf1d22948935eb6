import Crypto
public import Foundation

/// Lowercase hexadecimal encoding, the only textual form of hashes, keys and signatures.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes lowercase or uppercase hex; returns nil for odd length or non-hex characters.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// True when `text` is exactly `byteCount` bytes of lowercase hex.
    public static func isLowercase(_ text: String, byteCount: Int) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == byteCount * 2 else { return false }
        return utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}

/// SHA-256 helpers; every content address in Prova is the lowercase hex SHA-256 of the bytes.
public enum SHA256Hex {
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }

    public static func of(_ text: String) -> String {
        of(Array(text.utf8))
    }

    /// True when `text` is a well-formed digest (64 lowercase hex characters).
    public static func isDigest(_ text: String) -> Bool {
        Hex.isLowercase(text, byteCount: 32)
    }

    /// The digest in Prova's form, from the OCI form (`sha256:` prefix) or upper-case hex; nil when it is not 64 hex digits.
    public static func normalize(_ digest: String) -> String? {
        let hex = (digest.hasPrefix("sha256:") ? digest.dropFirst(7) : Substring(digest)).lowercased()
        return isDigest(hex) ? hex : nil
    }
}
