import Foundation
import ProvaCore

/// A layer blob as a tar stream: read as it is, or through `gzip -d` / `zstd -d` when its magic bytes say so.
///
/// Decompression is streamed through a pipe, never written to disk first: what reaches the disk is only what the
/// extractor writes, within the image's budget. The decompressor is a child process because neither zlib nor zstd has
/// a Swift package on the mirror Prova builds from; when the extractor stops early (an unsafe entry, the budget), the
/// pipe is closed and the child ends with SIGPIPE.
enum LayerSource {
    static func withStream<T>(of blob: URL, what: String, _ body: (inout TarStream) throws -> T) async throws -> T {
        let fd = open(blob.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SandboxError.io("open", path: blob.path, errno: errno) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = pread(fd, &magic, 4, 0)
        let tool: (name: String, package: String)?
        if count >= 2, magic.starts(with: [0x1f, 0x8b]) {
            tool = ("gzip", "gzip")
        } else if count >= 4, magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            tool = ("zstd", "zstd")
        } else {
            tool = nil
        }
        guard let tool else {
            var stream = TarStream(fd: fd, what: what, hashing: true)
            return try body(&stream)
        }
        let executable = try Executable.require(tool.name, package: tool.package)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SandboxError.io("pipe", path: blob.path, errno: errno) }
        // Close-on-exec, so that children started by other threads meanwhile do not hold the pipe open.
        for end in fds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: ["-d", "-c", blob.path], logLimit: 64 * 1024,
                                     stdoutFile: FileHandle(fileDescriptor: fds[1], closeOnDealloc: false))
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        // The child has its copy; ours must go so that the stream sees end of file when the child is done.
        close(fds[1])
        var stream = TarStream(fd: fds[0], what: what, hashing: true)
        let result: Result<T, any Error> = Result { try body(&stream) }
        close(fds[0])
        let outcome = await child.outcome()
        let value = try result.get()
        guard outcome.status == 0 else {
            throw SandboxError.invalidArchive("\(tool.name) could not decompress \(what): \(outcome.stderr.text.trimmed)")
        }
        return value
    }
}
