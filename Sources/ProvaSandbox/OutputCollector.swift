import Crypto
public import Foundation
import ProvaCore

/// What a program left in /output: its files, or why they cannot be its result.
public struct OutputCollection: Sendable, Equatable {
    /// Regular files copied out, sorted by path; empty when `violation` is set.
    public var files: [OutputFile]
    public var violation: OutputViolation?
}

/// Copies the regular files a program left in /output to the caller's directory, hashing them, within the run's bounds.
///
/// Every directory is opened relative to its parent (`openat` with `O_NOFOLLOW | O_DIRECTORY`) and every file with
/// `O_NOFOLLOW | O_NONBLOCK` and checked with `fstat` before a byte is read: a symlink such as `/output/x -> /etc/shadow`
/// would otherwise make the *host* read its own file, and a FIFO would block the worker. Symlinks, devices, sockets and
/// FIFOs are not outputs and are skipped. The bounds (`RunLimits.maxOutputFiles`, `maxOutputPathBytes`) and names are
/// checked over the whole tree before anything is copied, so a program that leaves 400,000 files costs a directory walk,
/// not 400,000 copies — and the count in the reason is the real one.
///
/// Public so that every `Runtime` collects outputs by this one rule, whatever stands in for the container.
public enum OutputCollector {
    /// Collects the regular files under `source` into `destination` (created if needed).
    public static func collect(from source: String, to destination: URL, limits: RunLimits) throws -> OutputCollection {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let root = open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard root >= 0 else { throw SandboxError.io("open", path: source, errno: errno) }
        defer { close(root) }
        var survey = Survey(limits: limits)
        try walk(directory: root, relative: "", survey: &survey)
        if let violation = survey.violation(limits: limits) {
            return OutputCollection(files: [], violation: violation)
        }
        var outputs: [OutputFile] = []
        for path in survey.files.sorted() {
            let (size, digest) = try copy(root: root, relative: path, destination: destination.path)
            outputs.append(OutputFile(path: path, size: size, sha256: digest))
        }
        return OutputCollection(files: outputs, violation: nil)
    }

    /// The regular files of the tree (up to the limit) and the first name that breaks a rule.
    private struct Survey {
        let limits: RunLimits
        var files: [String] = []
        var count = 0
        var badName: OutputViolation?

        init(limits: RunLimits) { self.limits = limits }

        mutating func found(_ path: String) {
            count += 1
            if badName == nil { badName = OutputNames.check(path, limit: limits.maxOutputPathBytes) }
            if count <= limits.maxOutputFiles { files.append(path) }
        }

        func violation(limits: RunLimits) -> OutputViolation? {
            if count > limits.maxOutputFiles { return .tooManyFiles(count: count, limit: limits.maxOutputFiles) }
            return badName
        }
    }

    private static func walk(directory: Int32, relative: String, survey: inout Survey) throws {
        // fdopendir takes over its descriptor; give it a duplicate so the caller's stays usable for openat.
        let listing = dup(directory)
        guard listing >= 0, let stream = fdopendir(listing) else {
            throw SandboxError.io("read directory", path: "/output/" + relative, errno: errno)
        }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                [UInt8](raw.prefix { $0 != 0 })
            }
            if name == [46] || name == [46, 46] { continue }
            let decoded = String(decoding: name, as: UTF8.self)
            let path = relative.isEmpty ? decoded : relative + "/" + decoded
            var info = stat()
            guard fstatat(directory, name.map { CChar(bitPattern: $0) } + [0], &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                // A name that is not UTF-8 decodes with replacement characters, which `OutputNames.check` refuses.
                survey.found(path)
            case S_IFDIR:
                let child = openat(directory, name.map { CChar(bitPattern: $0) } + [0], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { throw SandboxError.io("open", path: "/output/" + path, errno: errno) }
                defer { close(child) }
                try walk(directory: child, relative: path, survey: &survey)
            default:
                continue
            }
        }
    }

    /// Opens `relative` component by component below `root`, never following a link, and copies it if it is still a
    /// regular file.
    private static func copy(root: Int32, relative: String, destination: String) throws -> (Int64, String) {
        let components = relative.split(separator: "/").map(String.init)
        var directory = root
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        var target = destination
        for component in components.dropLast() {
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw SandboxError.io("open", path: "/output/" + relative, errno: errno) }
            opened.append(next)
            directory = next
            target += "/" + component
            if mkdir(target, 0o755) != 0 && errno != EEXIST { throw SandboxError.io("create", path: target, errno: errno) }
        }
        guard let last = components.last else { throw SandboxError.io("open", path: "/output/" + relative, errno: ENOENT) }
        let input = openat(directory, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw SandboxError.io("open", path: "/output/" + relative, errno: errno) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SandboxError.io("read", path: "/output/" + relative, errno: EINVAL)
        }
        let outputPath = target + "/" + last
        let output = open(outputPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SandboxError.io("create", path: outputPath, errno: errno) }
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
                throw SandboxError.io("read", path: "/output/" + relative, errno: errno)
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            var written = 0
            while written < count {
                let result = write(output, chunk.baseAddress.map { $0 + written }, count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError.io("write", path: outputPath, errno: errno)
                }
                written += result
            }
            total += Int64(count)
        }
        return (total, Hex.encode(hasher.finalize()))
    }
}

/// The rule for an output's name: what a result can list, and what every tool downstream can show and store.
public enum OutputNames {
    /// nil when `path` (relative to /output) may be reported; otherwise why not.
    public static func check(_ path: String, limit: Int) -> OutputViolation? {
        let bytes = path.utf8.count
        if path.unicodeScalars.contains("\u{FFFD}") {
            return .badName(path: path, reason: "it is not valid UTF-8")
        }
        if let scalar = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" || $0 == "\"" }) {
            let shown = scalar.value < 0x20 || scalar.value == 0x7f ? String(format: "U+%04X", scalar.value) : String(scalar)
            return .badName(path: path, reason: "it contains \(shown); use letters, digits and punctuation other than \\ and \"")
        }
        if bytes > limit { return .pathTooLong(path: path, bytes: bytes, limit: limit) }
        return nil
    }
}
