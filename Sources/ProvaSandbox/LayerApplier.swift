import Foundation
import ProvaCore

/// Applies one uncompressed layer tar onto a root filesystem being built.
///
/// Every entry is checked before `/bin/tar` extracts anything: no absolute names, no "..", no
/// device nodes, no symlink whose relative target climbs out of the root, and no entry that would
/// be written *through* an absolute symlink (on the host that would land outside the root).
/// Relative symlinks inside the root resolve the same way on the host as in the container, so
/// paths through them (e.g. usr-merged `lib -> usr/lib`) are allowed.
/// Whiteouts (`.wh.NAME`, `.wh..wh..opq`) remove files of lower layers first.
struct LayerApplier: Sendable {
    let root: URL
    let tar: String

    private enum Planned {
        case symlink(String)
        case other
    }

    func apply(layer: URL) async throws {
        let entries = try TarReader.entries(ofFile: layer.path)
        let (whiteouts, regular) = try classify(entries)
        for whiteout in whiteouts {
            try applyWhiteout(whiteout)
        }
        var planned: [String: Planned] = [:]
        for entry in regular {
            try check(entry, planned: &planned)
        }
        // The image's owners matter only to containers, which need root anyway; an unprivileged process (a test of the
        // worker on a scripted runtime, say) imports the same files owned by itself rather than failing to chown them.
        let owner = getuid() == 0 ? "--same-owner" : "--no-same-owner"
        let outcome = try await ChildProcess.run(
            tar,
            ["-x", "-f", layer.path, "-C", root.path, "--numeric-owner", owner, "--same-permissions",
             "--no-anchored", "--wildcards", "--exclude=.wh.*"],
            logLimit: 64 * 1024)
        guard outcome.status == 0 else {
            throw SandboxError(
                code: .imageImportFailed,
                message: "tar could not extract a layer (exit \(outcome.status)): \(outcome.stderr.text.trimmed)")
        }
    }

    private func classify(_ entries: [TarEntry]) throws -> (whiteouts: [[String]], regular: [TarEntry]) {
        var whiteouts: [[String]] = []
        var regular: [TarEntry] = []
        for entry in entries {
            let components = try ArchivePath.components(entry.name)
            if let last = components.last, last.hasPrefix(".wh.") {
                whiteouts.append(components)
            } else if !components.isEmpty {
                regular.append(entry)
            }
        }
        return (whiteouts, regular)
    }

    private func applyWhiteout(_ components: [String]) throws {
        guard let last = components.last else { return }
        let parent = try resolve(Array(components.dropLast()), planned: [:])
        let directory = ([root.path] + parent).joined(separator: "/")
        if last == ".wh..wh..opq" {
            for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                try FileManager.default.removeItem(atPath: directory + "/" + child)
            }
            return
        }
        let target = String(last.dropFirst(4))
        guard !target.isEmpty, target != ".", target != ".." else {
            throw SandboxError.unsafeArchive("whiteout \"\(components.joined(separator: "/"))\" names no file")
        }
        let path = directory + "/" + target
        var info = stat()
        if lstat(path, &info) == 0 {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    private func check(_ entry: TarEntry, planned: inout [String: Planned]) throws {
        let components = try ArchivePath.components(entry.name)
        guard let last = components.last else { return }
        let parent = try resolve(Array(components.dropLast()), planned: planned)
        let key = (parent + [last]).joined(separator: "/")
        switch entry.kind {
        case .symlink:
            if !entry.linkName.hasPrefix("/") {
                var depth = parent.count
                for part in entry.linkName.split(separator: "/") where part != "." {
                    depth += part == ".." ? -1 : 1
                    if depth < 0 {
                        throw SandboxError.unsafeArchive(
                            "symlink \"\(entry.name)\" -> \"\(entry.linkName)\" points outside the root filesystem")
                    }
                }
            }
            planned[key] = .symlink(entry.linkName)
        case .hardlink:
            let target = try ArchivePath.components(entry.linkName, what: "hard link target")
            guard let targetName = target.last else {
                throw SandboxError.unsafeArchive("hard link \"\(entry.name)\" has an empty target")
            }
            let targetParent = try resolve(Array(target.dropLast()), planned: planned)
            planned[key] = symlinkTarget(targetParent + [targetName], planned: planned).map { .symlink($0) } ?? .other
        case .characterDevice, .blockDevice:
            throw SandboxError.unsafeArchive("\"\(entry.name)\" is a device node; images may not carry device nodes")
        case .file, .directory, .fifo:
            planned[key] = .other
        case .other(let type):
            throw SandboxError.unsafeArchive(
                "\"\(entry.name)\" has unsupported tar entry type \(String(UnicodeScalar(type)))")
        }
    }

    /// Resolves directory components to their real location inside the root, following symlinks
    /// as the host kernel will when tar creates the entry; throws when that would leave the root.
    private func resolve(_ components: [String], planned: [String: Planned]) throws -> [String] {
        var resolved: [String] = []
        var pending = components[...]
        var hops = 0
        while let component = pending.popFirst() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                guard !resolved.isEmpty else {
                    throw SandboxError.unsafeArchive("path \"\(components.joined(separator: "/"))\" leads outside the root filesystem")
                }
                resolved.removeLast()
                continue
            }
            let candidate = resolved + [component]
            guard let target = symlinkTarget(candidate, planned: planned) else {
                resolved = candidate
                continue
            }
            hops += 1
            if hops > 40 {
                throw SandboxError.unsafeArchive("path \"\(components.joined(separator: "/"))\" has a symlink loop")
            }
            if target.hasPrefix("/") {
                throw SandboxError.unsafeArchive(
                    "path \"\(components.joined(separator: "/"))\" passes through the absolute symlink /\(candidate.joined(separator: "/")) -> \(target)")
            }
            pending = (target.split(separator: "/").map(String.init) + pending)[...]
        }
        return resolved
    }

    private func symlinkTarget(_ components: [String], planned: [String: Planned]) -> String? {
        let key = components.joined(separator: "/")
        switch planned[key] {
        case .symlink(let target): return target
        case .other: return nil
        case nil: break
        }
        let path = root.path + "/" + key
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return nil }
        return try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }
}
