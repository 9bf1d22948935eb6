import Crypto
import Foundation
import ProvaCore

/// One member of a tar archive, with GNU long names and pax `path`/`linkpath`/`size`/`uid`/`gid`/`mtime` applied.
struct TarEntry: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case file, directory, symlink, hardlink, characterDevice, blockDevice, fifo
        case other(UInt8)
    }

    var name: String
    var linkName: String
    var kind: Kind
    var size: Int64
    /// Byte offset of the member's content in the archive.
    var dataOffset: Int64
    var mode: UInt32 = 0o644
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    /// Seconds since 1970.
    var modificationTime: Int64 = 0
}

/// Reads tar archives (ustar, GNU long names, pax) front to back from a file or a pipe: the one tar parser of Prova, so
/// that what is checked is exactly what `TarExtractor` writes.
///
/// Hand-written rather than a library because nothing on the package mirror reads tar, and because the point is to
/// *refuse* what Prova does not implement: GNU sparse files (type `S`, pax `GNU.sparse.*`), multi-volume members, and a
/// pax `hdrcharset` other than UTF-8 are errors, not entries read some other way than another tool would.
struct TarStream {
    static let blockSize: Int64 = 512
    /// Bound on GNU long-name and pax records, which are read into memory.
    static let maxMetadataBytes: Int64 = 1 << 20

    private let fd: Int32
    private let what: String
    /// Seek over contents instead of reading them (a regular file whose digest is not wanted).
    private let seekable: Bool
    private var hasher = SHA256()
    private(set) var offset: Int64 = 0
    /// Content of the entry last returned by `next()` not yet read.
    private var pendingContent: Int64 = 0
    private var pendingPadding: Int64 = 0
    /// Bytes left to read when the archive is a member of a larger file (a layer inside an image archive).
    private var remaining: Int64

    /// - Parameters:
    ///   - what: how errors name the archive ("layer 2 of the image").
    ///   - hashing: hash every byte (for a layer's diff ID); otherwise contents of a regular file are skipped by seeking.
    ///   - length: read at most this many bytes from `fd`'s current offset (nil: to the end).
    init(fd: Int32, what: String, hashing: Bool, length: Int64? = nil) {
        self.fd = fd
        self.what = what
        self.remaining = length ?? Int64.max
        var info = stat()
        self.seekable = !hashing && fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The next member, or nil at the end of the archive. Unread content of the previous member is skipped first.
    mutating func next() throws -> TarEntry? {
        try skipContent()
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            let header = try read(Int(Self.blockSize), allowEOF: true)
            if header.isEmpty || header.allSatisfy({ $0 == 0 }) { return nil }
            guard header.count == Int(Self.blockSize) else { throw SandboxError.invalidArchive("\(what) ends inside a tar header") }
            guard Self.checksumMatches(header) else {
                throw SandboxError.invalidArchive("\(what) has a corrupt tar header at offset \(offset - Self.blockSize)")
            }
            let type = header[156]
            let headerSize = try Self.number(header[124..<136], what: what)
            let isMetadata = type == UInt8(ascii: "x") || type == UInt8(ascii: "L") || type == UInt8(ascii: "K")
            let size = isMetadata ? headerSize : (try pax["size"].map { try Self.paxNumber($0, key: "size", what: what) } ?? headerSize)
            guard size >= 0 else { throw SandboxError.invalidArchive("\(what) has a negative member size") }
            let dataOffset = offset
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"):
                guard size <= Self.maxMetadataBytes else { throw SandboxError.invalidArchive("\(what) has an oversized tar metadata record") }
                let data = try read(Int(size), allowEOF: false)
                try skip(Self.padding(size))
                if type == UInt8(ascii: "x") {
                    pax.merge(try Self.parsePax(data, what: what)) { $1 }
                } else if type == UInt8(ascii: "L") {
                    longName = Self.cString(data[...])
                } else {
                    longLink = Self.cString(data[...])
                }
                continue
            case UInt8(ascii: "g"):
                // Global pax headers only carry defaults for later members; Prova refuses those that change meaning.
                _ = try Self.parsePax(try read(Int(min(size, Self.maxMetadataBytes)), allowEOF: false), what: what)
                try skip(Self.padding(size) + max(0, size - Self.maxMetadataBytes))
                continue
            case UInt8(ascii: "V"):
                try skip(size + Self.padding(size))
                continue
            case UInt8(ascii: "S"), UInt8(ascii: "M"):
                throw SandboxError.unsafeArchive("\(what) has a GNU sparse or multi-volume member, which Prova does not unpack")
            default:
                break
            }
            var name = Self.cString(header[0..<100])
            let isUstar = header[257..<263].elementsEqual(Array("ustar\u{0}".utf8))
            let prefix = isUstar ? Self.cString(header[345..<500]) : ""
            if !prefix.isEmpty { name = prefix + "/" + name }
            let entry = TarEntry(
                name: pax["path"] ?? longName ?? name,
                linkName: pax["linkpath"] ?? longLink ?? Self.cString(header[157..<257]),
                kind: Self.kind(type),
                size: Self.hasContent(type) ? size : 0,
                dataOffset: dataOffset,
                mode: UInt32(truncatingIfNeeded: try Self.number(header[100..<108], what: what)),
                uid: UInt32(truncatingIfNeeded: try pax["uid"].map { try Self.paxNumber($0, key: "uid", what: what) }
                    ?? Self.number(header[108..<116], what: what)),
                gid: UInt32(truncatingIfNeeded: try pax["gid"].map { try Self.paxNumber($0, key: "gid", what: what) }
                    ?? Self.number(header[116..<124], what: what)),
                modificationTime: try pax["mtime"].map { try Self.paxNumber(String($0.prefix { $0 != "." }), key: "mtime", what: what) }
                    ?? Self.number(header[136..<148], what: what))
            // Links, directories and devices carry no content, whatever their size field says (GNU tar skips it too).
            pendingContent = Self.hasContent(type) ? size : 0
            pendingPadding = Self.hasContent(type) ? Self.padding(size) : 0
            if !Self.hasContent(type) && size > 0 { try skip(size + Self.padding(size)) }
            return entry
        }
    }

    /// Reads the content of the entry last returned, in chunks of at most 1 MiB.
    mutating func readContent(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while pendingContent > 0 {
            let count = try readSome(into: buffer, max: Int(min(pendingContent, Int64(buffer.count))))
            guard count > 0 else { throw SandboxError.invalidArchive("\(what) ends inside a member's content") }
            pendingContent -= Int64(count)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        try skip(pendingPadding)
        pendingPadding = 0
    }

    /// Reads to the end of the input (the end blocks and anything after them) and returns the SHA-256 of every byte.
    mutating func finish() throws -> String {
        try skipContent()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while try readSome(into: buffer, max: buffer.count) > 0 {}
        return Hex.encode(hasher.finalize())
    }

    private mutating func skipContent() throws {
        try skip(pendingContent + pendingPadding)
        pendingContent = 0
        pendingPadding = 0
    }

    private mutating func skip(_ count: Int64) throws {
        guard count > 0 else { return }
        if seekable && remaining == Int64.max {
            guard lseek(fd, off_t(count), SEEK_CUR) >= 0 else { throw SandboxError.io("seek", path: what, errno: errno) }
            offset += count
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = count
        while remaining > 0 {
            let read = try readSome(into: buffer, max: Int(min(remaining, Int64(buffer.count))))
            guard read > 0 else { throw SandboxError.invalidArchive("\(what) ends inside a member") }
            remaining -= Int64(read)
        }
    }

    private mutating func read(_ count: Int, allowEOF: Bool) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        try bytes.withUnsafeMutableBytes { raw in
            while filled < count {
                let read = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]), max: count - filled)
                if read == 0 { break }
                filled += read
            }
        }
        if filled < count && !(allowEOF && filled == 0) {
            throw SandboxError.invalidArchive("\(what) is truncated")
        }
        return Array(bytes.prefix(filled))
    }

    private mutating func readSome(into buffer: UnsafeMutableRawBufferPointer, max: Int) throws -> Int {
        while true {
            guard remaining > 0 else { return 0 }
            let count = Glibc.read(fd, buffer.baseAddress, Int(min(Int64(max), remaining)))
            if count < 0 {
                if errno == EINTR { continue }
                throw SandboxError.io("read", path: what, errno: errno)
            }
            if count > 0 {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                offset += Int64(count)
                remaining -= Int64(count)
            }
            return count
        }
    }

    private static func padding(_ size: Int64) -> Int64 { (blockSize - size % blockSize) % blockSize }

    private static func hasContent(_ type: UInt8) -> Bool {
        type == 0 || type == UInt8(ascii: "0") || type == UInt8(ascii: "7")
    }

    private static func kind(_ type: UInt8) -> TarEntry.Kind {
        switch type {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): .file
        case UInt8(ascii: "1"): .hardlink
        case UInt8(ascii: "2"): .symlink
        case UInt8(ascii: "3"): .characterDevice
        case UInt8(ascii: "4"): .blockDevice
        case UInt8(ascii: "5"): .directory
        case UInt8(ascii: "6"): .fifo
        default: .other(type)
        }
    }

    static func cString<C: Collection<UInt8>>(_ bytes: C) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Octal, or base-256 when the high bit of the first byte is set (GNU, for sizes ≥ 8 GiB).
    private static func number(_ field: ArraySlice<UInt8>, what: String) throws -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < Int64.max >> 8 else { throw SandboxError.invalidArchive("\(what) has a tar number field that overflows") }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let text = cString(field).trimmingCharacters(in: CharacterSet(charactersIn: " "))
        if text.isEmpty { return 0 }
        guard let value = Int64(text, radix: 8) else { throw SandboxError.invalidArchive("\(what) has a tar numeric field \"\(text)\" that is not octal") }
        return value
    }

    private static func paxNumber(_ text: String, key: String, what: String) throws -> Int64 {
        guard let value = Int64(text), value >= 0 else { throw SandboxError.invalidArchive("\(what) has a pax \(key) \"\(text)\" that is not a number") }
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

    /// Pax records are "LENGTH key=value\n". Keys that would make another reader see other files are refused.
    private static func parsePax(_ data: [UInt8], what: String) throws -> [String: String] {
        var result: [String: String] = [:]
        var bytes = data[...]
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
        if let key = result.keys.first(where: { $0.hasPrefix("GNU.sparse.") }) {
            throw SandboxError.unsafeArchive("\(what) has a sparse member (pax \(key)), which Prova does not unpack")
        }
        if let charset = result["hdrcharset"], charset != "ISO-IR 10646 2000 UTF-8" {
            throw SandboxError.unsafeArchive("\(what) declares pax hdrcharset \"\(charset)\"; only UTF-8 names are unpacked")
        }
        return result
    }
}

/// Random access to the member list of an archive file (the outer image archive).
enum TarReader {
    static func entries(ofFile path: String) throws -> [TarEntry] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError.io("open", path: path, errno: errno) }
        defer { close(fd) }
        var stream = TarStream(fd: fd, what: path, hashing: false)
        var entries: [TarEntry] = []
        while let entry = try stream.next() { entries.append(entry) }
        return entries
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
