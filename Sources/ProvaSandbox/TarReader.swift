import Foundation

/// One member of a tar archive, with GNU long names and pax `path`/`linkpath`/`size` applied.
struct TarEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo
        case other(UInt8)
    }

    var name: String
    var linkName: String
    var kind: Kind
    var size: Int64
    /// Byte offset of the member's content in the archive file.
    var dataOffset: Int64
}

/// Parses tar headers (ustar, GNU and pax) without extracting anything, so that every entry can
/// be checked before `/bin/tar` touches the disk.
enum TarReader {
    static let blockSize: Int64 = 512
    /// Bound on GNU long-name and pax records, which are read into memory.
    static let maxMetadataBytes: Int64 = 1 << 20

    static func entries(ofFile path: String) throws -> [TarEntry] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SandboxError.io("open", path: path, errno: errno)
        }
        defer { try? handle.close() }
        var entries: [TarEntry] = []
        var offset: Int64 = 0
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            try handle.seek(toOffset: UInt64(offset))
            let header = try handle.read(upToCount: Int(blockSize)) ?? Data()
            if header.isEmpty || header.allSatisfy({ $0 == 0 }) { break }
            guard header.count == Int(blockSize) else { throw SandboxError.invalidArchive("\(path) ends inside a tar header") }
            let bytes = [UInt8](header)
            guard checksumMatches(bytes) else {
                throw SandboxError.invalidArchive("\(path) has a corrupt tar header at offset \(offset)")
            }
            let type = bytes[156]
            let headerSize = try number(bytes[124..<136])
            let dataOffset = offset + blockSize
            let size = type == UInt8(ascii: "x") || type == UInt8(ascii: "L") || type == UInt8(ascii: "K")
                ? headerSize : (pax["size"].flatMap { Int64($0) } ?? headerSize)
            guard size >= 0 else { throw SandboxError.invalidArchive("\(path) has a negative member size") }
            offset = dataOffset + (size + blockSize - 1) / blockSize * blockSize

            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"):
                guard size <= maxMetadataBytes else { throw SandboxError.invalidArchive("\(path) has an oversized tar metadata record") }
                try handle.seek(toOffset: UInt64(dataOffset))
                let data = try handle.read(upToCount: Int(size)) ?? Data()
                if type == UInt8(ascii: "x") {
                    pax.merge(parsePax(data)) { $1 }
                } else {
                    let text = cString(Array(data)[...])
                    if type == UInt8(ascii: "L") { longName = text } else { longLink = text }
                }
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "V"):
                continue
            default:
                break
            }

            var name = cString(bytes[0..<100])
            let isUstar = bytes[257..<263].elementsEqual(Array("ustar\u{0}".utf8))
            let prefix = isUstar ? cString(bytes[345..<500]) : ""
            if !prefix.isEmpty { name = prefix + "/" + name }
            entries.append(TarEntry(
                name: pax["path"] ?? longName ?? name,
                linkName: pax["linkpath"] ?? longLink ?? cString(bytes[157..<257]),
                kind: kind(type),
                size: size,
                dataOffset: dataOffset))
            longName = nil
            longLink = nil
            pax = [:]
        }
        return entries
    }

    private static func kind(_ type: UInt8) -> TarEntry.Kind {
        switch type {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"), UInt8(ascii: "S"): .file
        case UInt8(ascii: "1"): .hardlink
        case UInt8(ascii: "2"): .symlink
        case UInt8(ascii: "3"): .characterDevice
        case UInt8(ascii: "4"): .blockDevice
        case UInt8(ascii: "5"): .directory
        case UInt8(ascii: "6"): .fifo
        default: .other(type)
        }
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Octal, or base-256 when the high bit of the first byte is set (GNU, for sizes ≥ 8 GiB).
    private static func number(_ field: ArraySlice<UInt8>) throws -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < Int64.max >> 8 else { throw SandboxError.invalidArchive("tar size field overflows") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let text = cString(field).trimmingCharacters(in: CharacterSet(charactersIn: " "))
        if text.isEmpty { return 0 }
        guard let value = Int64(text, radix: 8) else { throw SandboxError.invalidArchive("tar numeric field \"\(text)\" is not octal") }
        return value
    }

    private static func checksumMatches(_ header: [UInt8]) -> Bool {
        let field = String(decoding: header[148..<156].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
        guard let stored = Int(field, radix: 8) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int(byte)
        }
        return sum == stored
    }

    /// Pax records are "LENGTH key=value\n".
    private static func parsePax(_ data: Data) -> [String: String] {
        var result: [String: String] = [:]
        var bytes = [UInt8](data)[...]
        while let space = bytes.firstIndex(of: 32), let length = Int(String(decoding: bytes[bytes.startIndex..<space], as: UTF8.self)),
            length > 0, bytes.startIndex + length <= bytes.endIndex
        {
            let record = bytes[(space + 1)..<(bytes.startIndex + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                var value = record[(equals + 1)...]
                if value.last == 10 { value = value.dropLast() }
                result[key] = String(decoding: value, as: UTF8.self)
            }
            bytes = bytes[(bytes.startIndex + length)...]
        }
        return result
    }
}

/// Archive member names as safe path components.
enum ArchivePath {
    /// "./a//b/" → ["a", "b"]. Rejects absolute names and any ".." component.
    static func components(_ name: String, what: String = "entry") throws -> [String] {
        if name.hasPrefix("/") {
            throw SandboxError.unsafeArchive("\(what) \"\(name)\" is an absolute path")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.contains("..") {
            throw SandboxError.unsafeArchive("\(what) \"\(name)\" contains a \"..\" component")
        }
        return parts.filter { $0 != "." }
    }
}
