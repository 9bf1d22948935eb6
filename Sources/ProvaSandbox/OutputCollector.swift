import Crypto
public import Foundation
import ProvaCore

/// Copies the regular files a program left in /output to the caller's directory, hashing them.
///
/// Only regular files and directories are followed, using `lstat`: a symlink such as
/// `/output/x -> /etc/shadow` would otherwise make the *host* read its own file.
///
/// Public so that every `Runtime` collects outputs by this one rule, whatever stands in for the container.
public enum OutputCollector {
    /// Copies the regular files under `source` into `destination` (created if needed) and returns them sorted by path.
    public static func collect(from source: String, to destination: URL) throws -> [OutputFile] {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        var outputs: [OutputFile] = []
        try walk(source: source, relative: "", destination: destination.path, into: &outputs)
        return outputs.sorted { $0.path < $1.path }
    }

    private static func walk(source: String, relative: String, destination: String, into outputs: inout [OutputFile]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: source + (relative.isEmpty ? "" : "/" + relative))
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(source + "/" + path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try FileManager.default.createDirectory(atPath: destination + "/" + path, withIntermediateDirectories: true)
                try walk(source: source, relative: path, destination: destination, into: &outputs)
            case S_IFREG:
                let (size, digest) = try copy(from: source + "/" + path, to: destination + "/" + path)
                outputs.append(OutputFile(path: path, size: size, sha256: digest))
            default:
                continue
            }
        }
    }

    private static func copy(from source: String, to destination: String) throws -> (Int64, String) {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw SandboxError.io("open", path: source, errno: errno) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SandboxError.io("create", path: destination, errno: errno) }
        defer { close(output) }
        var hasher = SHA256()
        var total: Int64 = 0
        let size = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, size)
            if count < 0 {
                if errno == EINTR { continue }
                throw SandboxError.io("read", path: source, errno: errno)
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            var written = 0
            while written < count {
                let result = write(output, chunk.baseAddress.map { $0 + written }, count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError.io("write", path: destination, errno: errno)
                }
                written += result
            }
            total += Int64(count)
        }
        return (total, Hex.encode(hasher.finalize()))
    }
}
