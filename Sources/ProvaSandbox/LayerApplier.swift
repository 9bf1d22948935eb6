import Foundation
import ProvaCore

/// Bytes an image may take on disk while it is unpacked: the image cache's whole budget (an image larger than the cache
/// could never stay in it). Counted as each file is written, so a small compressed layer that expands without end is
/// stopped at the budget, not when the disk is full.
final class ExtractionBudget {
    let limitBytes: Int64
    private(set) var usedBytes: Int64 = 0

    init(limitBytes: Int64) { self.limitBytes = limitBytes }

    /// Takes `bytes` (rounded up to a 4 KiB block, as file systems allocate) or throws `image_too_large`.
    func take(_ bytes: Int64, for name: String, in what: String) throws {
        let rounded = (max(bytes, 0) + 4095) / 4096 * 4096 + 512
        guard rounded <= limitBytes - usedBytes else {
            throw SandboxError(
                code: .imageTooLarge,
                message: "the image unpacks to more than the image cache's budget of \(Units.formatBytes(limitBytes)) "
                    + "(\(Units.formatBytes(usedBytes)) written when \(what) went on with \"\(name)\", \(Units.formatBytes(bytes))); "
                    + "the import was stopped and removed. Use a smaller image, or give the worker a larger --image-cache")
        }
        usedBytes += rounded
    }
}

/// Applies one layer, read front to back from `stream`, onto a root filesystem being built: the one tar extractor of
/// Prova. Nothing but this code writes the image, so what is checked is what is written.
///
/// Every path is resolved here, component by component: relative symlinks already in the root are followed as the
/// container would follow them (usr-merged `lib -> usr/lib`), and every directory is then opened relative to its parent
/// with `O_NOFOLLOW`, so the kernel never follows a link on the host. Refused: absolute names, `..`, a path that leaves
/// the root or passes through an absolute symlink, a symlink whose relative target climbs out of the root, a hard link
/// to anything but a regular file the image itself wrote, device nodes, and unknown entry types. Whiteouts
/// (`.wh.NAME`, `.wh..wh..opq`) remove what lower layers left, never what this layer wrote.
struct LayerApplier {
    let root: URL
    let rootFD: Int32
    let budget: ExtractionBudget
    /// Paths (resolved, "/"-joined) of regular files written by this image, the only hard link targets allowed.
    private(set) var imageFiles: Set<String> = []
    private let owned: Bool
    private let directories = DirectoryCache()

    /// - Parameter rootFD: an open descriptor of `root`, owned by the caller.
    init(root: URL, rootFD: Int32, budget: ExtractionBudget) {
        self.root = root
        self.rootFD = rootFD
        self.budget = budget
        // The image's owners matter only to containers, which need root anyway; an unprivileged process (a test of the
        // worker on a scripted runtime, say) imports the same files owned by itself rather than failing to chown them.
        self.owned = getuid() == 0
    }

    mutating func apply(_ stream: inout TarStream, what: String) throws {
        var written: Set<String> = []
        while let entry = try stream.next() {
            let components = try ArchivePath.components(entry.name)
            guard let last = components.last else { continue }
            if last.hasPrefix(".wh.") {
                try whiteout(components, writtenByThisLayer: written)
                continue
            }
            let parent = try resolve(Array(components.dropLast()), of: entry.name)
            let key = (parent + [last]).joined(separator: "/")
            let directory = try openDirectory(parent, creating: true, of: entry.name)
            defer { if directory != rootFD { close(directory) } }
            switch entry.kind {
            case .directory:
                try budget.take(0, for: entry.name, in: what)
                try makeDirectory(last, in: directory, entry: entry)
            case .file:
                try budget.take(entry.size, for: entry.name, in: what)
                try writeFile(last, in: directory, entry: entry, from: &stream, what: what)
                imageFiles.insert(key)
            case .symlink:
                try checkSymlink(entry, depth: parent.count)
                try budget.take(0, for: entry.name, in: what)
                try replace(last, in: directory)
                guard symlinkat(entry.linkName, directory, last) == 0 else { throw SandboxError.io("symlink", path: entry.name, errno: errno) }
                try setOwner(last, in: directory, entry: entry)
                imageFiles.remove(key)
            case .hardlink:
                try link(last, in: directory, key: key, entry: entry)
            case .fifo:
                try budget.take(0, for: entry.name, in: what)
                try replace(last, in: directory)
                guard mkfifoat(directory, last, mode_t(entry.mode & 0o777)) == 0 else { throw SandboxError.io("mkfifo", path: entry.name, errno: errno) }
                try setOwner(last, in: directory, entry: entry)
            case .characterDevice, .blockDevice:
                throw SandboxError.unsafeArchive("\"\(entry.name)\" is a device node; images may not carry device nodes")
            case .other(let type):
                throw SandboxError.unsafeArchive("\"\(entry.name)\" has unsupported tar entry type \(String(UnicodeScalar(type)))")
            }
            written.insert(key)
        }
    }

    // MARK: entries

    private func makeDirectory(_ name: String, in directory: Int32, entry: TarEntry) throws {
        var info = stat()
        if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 {
            if (info.st_mode & S_IFMT) != S_IFDIR {
                try replace(name, in: directory)
            }
        }
        if mkdirat(directory, name, 0o700) != 0 && errno != EEXIST { throw SandboxError.io("mkdir", path: entry.name, errno: errno) }
        let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else { throw SandboxError.io("open", path: entry.name, errno: errno) }
        defer { close(child) }
        if owned { _ = fchown(child, entry.uid, entry.gid) }
        guard fchmod(child, mode_t(entry.mode & 0o7777)) == 0 else { throw SandboxError.io("chmod", path: entry.name, errno: errno) }
    }

    private func writeFile(_ name: String, in directory: Int32, entry: TarEntry, from stream: inout TarStream, what: String) throws {
        try replace(name, in: directory)
        let fd = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SandboxError.io("create", path: entry.name, errno: errno) }
        defer { close(fd) }
        try stream.readContent { chunk in
            var written = 0
            while written < chunk.count {
                let result = write(fd, chunk.baseAddress.map { $0 + written }, chunk.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw SandboxError.io("write", path: entry.name, errno: errno)
                }
                written += result
            }
        }
        // chown before chmod: chown clears set-id bits.
        if owned { _ = fchown(fd, entry.uid, entry.gid) }
        guard fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 else { throw SandboxError.io("chmod", path: entry.name, errno: errno) }
        var times = [timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0), timespec(tv_sec: Int(entry.modificationTime), tv_nsec: 0)]
        _ = futimens(fd, &times)
    }

    private mutating func link(_ name: String, in directory: Int32, key: String, entry: TarEntry) throws {
        let target = try ArchivePath.components(entry.linkName, what: "hard link target")
        guard let targetName = target.last else {
            throw SandboxError.unsafeArchive("hard link \"\(entry.name)\" has an empty target")
        }
        let targetParent = try resolve(Array(target.dropLast()), of: entry.linkName)
        let targetKey = (targetParent + [targetName]).joined(separator: "/")
        guard imageFiles.contains(targetKey) else {
            throw SandboxError.unsafeArchive("hard link \"\(entry.name)\" -> \"\(entry.linkName)\" does not name a regular file of this image")
        }
        guard targetKey != key else { return }
        let targetDirectory = try openDirectory(targetParent, creating: false, of: entry.linkName)
        defer { if targetDirectory != rootFD { close(targetDirectory) } }
        try replace(name, in: directory)
        // No AT_SYMLINK_FOLLOW: the link is to the entry itself, never to what a symlink points at.
        guard linkat(targetDirectory, targetName, directory, name, 0) == 0 else { throw SandboxError.io("link", path: entry.name, errno: errno) }
        imageFiles.insert(key)
    }

    private func checkSymlink(_ entry: TarEntry, depth: Int) throws {
        // Absolute targets resolve inside the container; writes through them are refused by `resolve`.
        guard !entry.linkName.hasPrefix("/") else { return }
        var level = depth
        for part in entry.linkName.split(separator: "/") where part != "." {
            level += part == ".." ? -1 : 1
            if level < 0 {
                throw SandboxError.unsafeArchive("symlink \"\(entry.name)\" -> \"\(entry.linkName)\" points outside the root filesystem")
            }
        }
    }

    private func setOwner(_ name: String, in directory: Int32, entry: TarEntry) throws {
        if owned { _ = fchownat(directory, name, entry.uid, entry.gid, AT_SYMLINK_NOFOLLOW) }
    }

    /// Removes whatever is at `name` (a file, a link, a whole directory) so that an entry of a higher layer replaces it.
    private func replace(_ name: String, in directory: Int32) throws {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        // What was known about directories may no longer hold.
        if (info.st_mode & S_IFMT) == S_IFDIR { directories.removeAll() }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            try removeTree(name, in: directory)
        } else if unlinkat(directory, name, 0) != 0 {
            throw SandboxError.io("remove", path: name, errno: errno)
        }
    }

    private func removeTree(_ name: String, in directory: Int32) throws {
        directories.removeAll()
        let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard child >= 0 else { throw SandboxError.io("open", path: name, errno: errno) }
        try removeChildren(of: child, except: { _ in false })
        close(child)
        guard unlinkat(directory, name, AT_REMOVEDIR) == 0 else { throw SandboxError.io("remove", path: name, errno: errno) }
    }

    private func removeChildren(of directory: Int32, except keep: (String) -> Bool) throws {
        for child in try Self.names(in: directory) where !keep(child) {
            var info = stat()
            guard fstatat(directory, child, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try removeTree(child, in: directory)
            } else if unlinkat(directory, child, 0) != 0 {
                throw SandboxError.io("remove", path: child, errno: errno)
            }
        }
    }

    private static func names(in directory: Int32) throws -> [String] {
        let listing = dup(directory)
        guard listing >= 0, let stream = fdopendir(listing) else { throw SandboxError.io("read directory", path: "-", errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    // MARK: whiteouts

    private func whiteout(_ components: [String], writtenByThisLayer written: Set<String>) throws {
        guard let last = components.last else { return }
        let parent = try resolve(Array(components.dropLast()), of: components.joined(separator: "/"))
        let prefix = parent.joined(separator: "/")
        let directory: Int32
        do { directory = try openDirectory(parent, creating: false, of: components.joined(separator: "/")) } catch { return }
        defer { if directory != rootFD { close(directory) } }
        if last == ".wh..wh..opq" {
            try removeChildren(of: directory) { child in written.contains(prefix.isEmpty ? child : prefix + "/" + child) }
            return
        }
        let target = String(last.dropFirst(4))
        guard !target.isEmpty, target != ".", target != "..", !target.contains("/") else {
            throw SandboxError.unsafeArchive("whiteout \"\(components.joined(separator: "/"))\" names no file")
        }
        try replace(target, in: directory)
    }

    // MARK: paths

    /// Opens the directory at `components` (already resolved) below the root, never following a link; creates missing
    /// directories when asked (a layer may name a file before, or without, its directory).
    private func openDirectory(_ components: [String], creating: Bool, of name: String) throws -> Int32 {
        var current = rootFD
        for component in components {
            if creating, mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                throw SandboxError.io("mkdir", path: name, errno: errno)
            }
            let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let failure = errno
            if current != rootFD { close(current) }
            guard next >= 0 else {
                if failure == ELOOP || failure == ENOTDIR {
                    throw SandboxError.unsafeArchive("path \"\(name)\" passes through something that is not a directory")
                }
                throw SandboxError.io("open", path: name, errno: failure)
            }
            current = next
        }
        return current
    }

    /// Resolves directory components to their real location inside the root, following symlinks already written as
    /// the container will; throws when that would leave the root or pass through an absolute symlink.
    private func resolve(_ components: [String], of name: String) throws -> [String] {
        var resolved: [String] = []
        var pending = components[...]
        var hops = 0
        while let component = pending.popFirst() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                guard !resolved.isEmpty else {
                    throw SandboxError.unsafeArchive("path \"\(name)\" leads outside the root filesystem")
                }
                resolved.removeLast()
                continue
            }
            let candidate = resolved + [component]
            guard let target = symlinkTarget(candidate) else {
                resolved = candidate
                continue
            }
            hops += 1
            if hops > 40 { throw SandboxError.unsafeArchive("path \"\(name)\" has a symlink loop") }
            if target.hasPrefix("/") {
                throw SandboxError.unsafeArchive(
                    "path \"\(name)\" passes through the absolute symlink /\(candidate.joined(separator: "/")) -> \(target)")
            }
            pending = (target.split(separator: "/").map(String.init) + pending)[...]
        }
        return resolved
    }

    private func symlinkTarget(_ components: [String]) -> String? {
        if directories.contains(components) { return nil }
        guard let name = components.last,
              let directory = try? openDirectory(Array(components.dropLast()), creating: false, of: name) else { return nil }
        defer { if directory != rootFD { close(directory) } }
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlinkat(directory, name, &buffer, 4096)
        guard count >= 0 else {
            var info = stat()
            if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFDIR { directories.insert(components) }
            return nil
        }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Paths known to be real directories during one import, so that resolving a path does not re-read every component of
/// it for every entry. Emptied whenever a directory is removed.
private final class DirectoryCache {
    private var known: Set<[String]> = []
    func contains(_ components: [String]) -> Bool { known.contains(components) }
    func insert(_ components: [String]) { known.insert(components) }
    func removeAll() { known.removeAll() }
}
