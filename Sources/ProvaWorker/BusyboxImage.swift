import Crypto
public import Foundation
import ProvaCore
import ProvaSandbox

/// Builds small program images from the host's static busybox: a `docker save` archive with one layer holding
/// `/bin/busybox`, a symlink per applet, the mount points the sandbox needs, and the given extra files.
///
/// Every byte is fixed (sorted entries, owner 0:0, one modification time, canonical JSON), so the archive's digest
/// depends only on the busybox binary and the extra files. Debian updates change busybox, so a chain names the
/// digest it built at genesis rather than a constant.
public enum BusyboxImage {
    /// One file to put in the image.
    public struct File: Sendable, Hashable {
        /// Relative path inside the image, e.g. `usr/local/bin/prove`.
        public var path: String
        public var content: Data
        /// Unix permission bits; 0o755 for scripts.
        public var mode: Int
        public init(path: String, content: Data, mode: Int = 0o755) { self.path = path; self.content = content; self.mode = mode }
        public init(path: String, text: String, mode: Int = 0o755) { self.init(path: path, content: Data(text.utf8), mode: mode) }
    }

    /// Where busybox is looked for; the first existing path wins.
    public static let busyboxCandidates = ["/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"]

    /// Writes `<directory>/<name>.tar` and returns it with its SHA-256 (the image digest programs name).
    public static func build(at directory: URL, name: String, files: [File], busybox: String? = nil) throws -> (archive: URL, digest: String) {
        guard let binary = busybox ?? busyboxCandidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw WorkerError(.busyboxMissing, "no static busybox found at \(busyboxCandidates.joined(separator: ", ")); install it with `apt-get install -y busybox-static`")
        }
        let busyboxBytes: Data
        do { busyboxBytes = try Data(contentsOf: URL(fileURLWithPath: binary)) } catch {
            throw WorkerError(.busyboxUnreadable, "cannot read \(binary); check its permissions", cause: "\(error)")
        }
        let layer = try layerTar(busybox: busyboxBytes, applets: try applets(of: binary), files: files)
        let diffID = SHA256Hex.of(Array(layer))
        let config = try canonical([
            "architecture": SeccompProfile.nativeArchitecture, "os": "linux",
            "config": ["Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]],
            "rootfs": ["type": "layers", "diff_ids": ["sha256:" + diffID]],
        ] as [String: Any])
        let configName = SHA256Hex.of(Array(config)) + ".json"
        let manifest = try canonical([["Config": configName, "RepoTags": ["prova/\(name):latest"], "Layers": [diffID + "/layer.tar"]]] as [Any])
        var outer = TarWriter()
        try outer.add(diffID, kind: .directory, mode: 0o755)
        try outer.add(diffID + "/layer.tar", kind: .file, content: layer, mode: 0o644)
        try outer.add(configName, kind: .file, content: config, mode: 0o644)
        try outer.add("manifest.json", kind: .file, content: manifest, mode: 0o644)
        let archive = directory.appendingPathComponent("\(name).tar")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try outer.finished().write(to: archive, options: .atomic)
        } catch {
            throw WorkerError(.imageWriteFailed, "cannot write \(archive.path); check the directory is writable and has space", cause: "\(error)")
        }
        return (archive, SHA256Hex.of(Array(outer.finished())))
    }

    /// The applet names the binary reports (`busybox --list`), sorted.
    static func applets(of binary: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw WorkerError(.busyboxFailed, "cannot run \(binary) --list", cause: "\(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WorkerError(.busyboxFailed, "\(binary) --list exited with \(process.terminationStatus); is it a full busybox build?")
        }
        return Set(String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init))
            .filter { !$0.isEmpty && $0 != "busybox" && !$0.contains("/") }
            .sorted()
    }

    static func layerTar(busybox: Data, applets: [String], files: [File]) throws -> Data {
        enum Entry { case directory, file(Data, Int), symlink(String) }
        var entries: [String: Entry] = [:]
        for directory in ["bin", "dev", "etc", "input", "output", "proc", "proof", "sys", "tmp", "usr", "usr/local", "usr/local/bin"] {
            entries[directory] = .directory
        }
        entries["bin/busybox"] = .file(busybox, 0o755)
        for applet in applets where entries["bin/" + applet] == nil { entries["bin/" + applet] = .symlink("busybox") }
        entries["etc/passwd"] = .file(Data("root:x:0:0:root:/:/bin/sh\n".utf8), 0o644)
        entries["etc/group"] = .file(Data("root:x:0:\n".utf8), 0o644)
        for file in files {
            let components = file.path.split(separator: "/").map(String.init)
            guard !components.isEmpty, !components.contains(".."), !file.path.hasPrefix("/") else {
                throw WorkerError(.badImageEntry, "image file '\(file.path)' must be a relative path without '..'")
            }
            for depth in 1..<components.count where entries[components[0..<depth].joined(separator: "/")] == nil {
                entries[components[0..<depth].joined(separator: "/")] = .directory
            }
            entries[file.path] = .file(file.content, file.mode)
        }
        var tar = TarWriter()
        for name in entries.keys.sorted() {
            switch entries[name] {
            case .directory: try tar.add(name, kind: .directory, mode: name == "tmp" ? 0o1777 : 0o755)
            case .file(let content, let mode): try tar.add(name, kind: .file, content: content, mode: mode)
            case .symlink(let target): try tar.add(name, kind: .symlink, linkTarget: target, mode: 0o777)
            case nil: break
            }
        }
        return tar.finished()
    }

    static func canonical(_ value: Any) throws -> Data {
        do { return try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) } catch {
            throw WorkerError(.imageJsonFailed, "cannot encode the image metadata", cause: "\(error)")
        }
    }
}
