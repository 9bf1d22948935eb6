import Foundation
import ProvaCore

/// Writes POSIX ustar archives with fixed metadata (owner 0:0, a fixed modification time, no user or group
/// names), so that the same files always give the same bytes — and so the same image digest on every machine.
struct DeterministicTar {
    enum Kind: UInt8 {
        case file = 48, symlink = 50, directory = 53
    }

    /// 2000-01-01T00:00:00Z: some tools treat an mtime of 0 as "unknown".
    static let fixedModificationTime = 946_684_800

    private(set) var data = Data()

    /// Adds one entry. Names are relative and at most 100 bytes (the ustar name field; enough for image files).
    mutating func add(_ name: String, kind: Kind, content: Data = Data(), linkTarget: String = "", mode: Int) throws {
        guard !name.isEmpty, name.utf8.count <= 100, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
            throw WorkerError(.badImageEntry, "image entry '\(name)' must be a relative path of at most 100 bytes without '..'")
        }
        guard linkTarget.utf8.count <= 100 else {
            throw WorkerError(.badImageEntry, "symlink target of '\(name)' is longer than 100 bytes")
        }
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, at: offset, length: length - 1)
        }
        put(kind == .directory && !name.hasSuffix("/") ? name + "/" : name, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(kind == .file ? content.count : 0, at: 124, length: 12)
        octal(Self.fixedModificationTime, at: 136, length: 12)
        header[156] = kind.rawValue
        put(linkTarget, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        for index in 148..<156 { header[index] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, length: 7)
        header[155] = 32
        data.append(contentsOf: header)
        if kind == .file {
            data.append(content)
            data.append(Data(count: (512 - content.count % 512) % 512))
        }
    }

    /// The archive with its two zero end blocks.
    func finished() -> Data { data + Data(count: 1024) }
}
