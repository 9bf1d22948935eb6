import Foundation

/// Writes ustar archives byte by byte, so tests can craft entries that real tools refuse to make
/// (`../escape`, absolute names, device nodes).
struct TarWriter {
    enum Kind: UInt8 {
        case file = 48, hardlink = 49, symlink = 50, characterDevice = 51, directory = 53
    }

    private(set) var data = Data()

    mutating func add(_ name: String, kind: Kind = .file, content: Data = Data(), linkName: String = "", mode: Int = 0o644) {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            put(String(value, radix: 8).leftPadded(to: length - 1), at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)
        octal(0, at: 116, length: 8)
        octal(kind == .file ? content.count : 0, at: 124, length: 12)
        octal(0, at: 136, length: 12)
        header[156] = kind.rawValue
        put(linkName, at: 157, length: 100)
        put("ustar\u{0}00", at: 257, length: 8)
        for index in 148..<156 { header[index] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(sum, radix: 8).leftPadded(to: 6) + "\u{0} ", at: 148, length: 8)
        data.append(contentsOf: header)
        if kind == .file {
            data.append(content)
            data.append(Data(count: (512 - content.count % 512) % 512))
        }
    }

    func finished() -> Data { data + Data(count: 1024) }
}

extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
