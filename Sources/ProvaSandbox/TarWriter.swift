public import Foundation
import ProvaCore

/// Writes tar archives with fixed metadata (owner 0:0, a fixed modification time, no user or group names), so that the
/// same files always give the same bytes — and so the same image digest on every machine. The writing half of the one
/// tar codec (`TarStream` reads, `LayerApplier` extracts): the worker's image builders and the tests use it.
///
/// Names up to 100 bytes go in the ustar header; longer names and link targets in a pax `path`/`linkpath` record.
public struct TarWriter: Sendable {
    public enum Kind: UInt8, Sendable {
        case file = 48, hardlink = 49, symlink = 50, characterDevice = 51, directory = 53, fifo = 54
    }

    /// 2000-01-01T00:00:00Z: some tools treat an mtime of 0 as "unknown".
    public static let fixedModificationTime = 946_684_800

    public private(set) var data = Data()
    private let checkingNames: Bool

    /// - Parameter checkingNames: refuse absolute names, `..` and device nodes (the default). Tests that craft hostile
    ///   archives turn it off.
    public init(checkingNames: Bool = true) {
        self.checkingNames = checkingNames
    }

    /// Adds one entry; `content` only for files.
    public mutating func add(_ name: String, kind: Kind = .file, content: Data = Data(), linkTarget: String = "", mode: Int = 0o644) throws {
        if checkingNames {
            guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw SandboxError.invalidSpec("tar entry '\(name)' must be a relative path without '..'")
            }
            guard kind != .characterDevice else {
                throw SandboxError.invalidSpec("tar entry '\(name)' is a device node; images may not carry device nodes")
            }
        }
        let entryName = kind == .directory && !name.hasSuffix("/") ? name + "/" : name
        var pax: [(String, String)] = []
        if entryName.utf8.count > 100 { pax.append(("path", entryName)) }
        if linkTarget.utf8.count > 100 { pax.append(("linkpath", linkTarget)) }
        if !pax.isEmpty {
            let records = Data(pax.map(Self.paxRecord).joined().utf8)
            data.append(contentsOf: Self.header(name: "PaxHeaders/" + String(entryName.suffix(80)), type: UInt8(ascii: "x"),
                                                size: records.count, linkTarget: "", mode: 0o644))
            Self.appendPadded(records, to: &data)
        }
        data.append(contentsOf: Self.header(name: entryName, type: kind.rawValue, size: kind == .file ? content.count : 0,
                                            linkTarget: linkTarget, mode: mode))
        if kind == .file { Self.appendPadded(content, to: &data) }
    }

    /// The archive with its two zero end blocks.
    public func finished() -> Data { data + Data(count: 1024) }

    /// A deterministic archive of `directory`'s contents (names relative to it, sorted, directories before their
    /// contents), keeping each entry's permission bits; symlinks are stored as links.
    public static func archive(of directory: URL) throws -> Data {
        var writer = TarWriter()
        func walk(_ relative: String) throws {
            let path = relative.isEmpty ? directory.path : directory.path + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(directory.path + "/" + child, &info) == 0 else { throw SandboxError.io("stat", path: child, errno: errno) }
                let mode = Int(info.st_mode & 0o7777)
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    try writer.add(child, kind: .directory, mode: mode)
                    try walk(child)
                case S_IFREG:
                    guard let content = FileManager.default.contents(atPath: directory.path + "/" + child) else {
                        throw SandboxError.io("read", path: child, errno: errno)
                    }
                    try writer.add(child, content: content, mode: mode)
                case S_IFLNK:
                    try writer.add(child, kind: .symlink, linkTarget: try FileManager.default.destinationOfSymbolicLink(atPath: directory.path + "/" + child),
                                   mode: 0o777)
                default:
                    continue
                }
            }
        }
        try walk("")
        return writer.finished()
    }

    private static func paxRecord(_ record: (String, String)) -> String {
        let body = " \(record.0)=\(record.1)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return String(length) + body
    }

    private static func appendPadded(_ bytes: Data, to data: inout Data) {
        data.append(bytes)
        data.append(Data(count: (512 - bytes.count % 512) % 512))
    }

    private static func header(name: String, type: UInt8, size: Int, linkTarget: String, mode: Int) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(size, at: 124, length: 12)
        octal(fixedModificationTime, at: 136, length: 12)
        header[156] = type
        put(linkTarget, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { header[index] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, length: 7)
        header[155] = 32
        return header
    }
}
