import Foundation

/// Turns one verified image archive into a root filesystem directory.
enum ImageImporter {
    /// Directories the runtime mounts over; created up front so that runc never has to create
    /// them inside the shared, read-only image.
    static let mountPoints = ["proc", "dev", "sys", "tmp", "input", "output", "proof"]

    /// Builds `staging/rootfs` from `archive`, whose digest the caller has already checked.
    static func importArchive(_ archive: URL, staging: URL) async throws -> URL {
        let tar = try Executable.require("tar", package: "tar")
        let members = try ArchiveMembers(archive: archive)
        let manifest = try ImageManifest.read(from: members)
        let rootfs = staging.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        let applier = LayerApplier(root: rootfs, tar: tar)
        for (index, layer) in manifest.layers.enumerated() {
            let blob = staging.appendingPathComponent("layer-\(index).blob")
            let blobDigest = try members.copy(layer.member, to: blob)
            if let expected = layer.blobDigest, expected != blobDigest {
                throw SandboxError.digestMismatch(what: "layer \(layer.member)", expected: expected, actual: blobDigest)
            }
            let layerTar = try await decompress(blob, to: staging.appendingPathComponent("layer-\(index).tar"))
            if let diffID = layer.diffID {
                let actual = layerTar == blob ? blobDigest : try FileDigest.sha256Hex(ofFile: layerTar)
                guard actual == diffID else {
                    throw SandboxError.digestMismatch(what: "uncompressed layer \(layer.member)", expected: diffID, actual: actual)
                }
            }
            try await applier.apply(layer: layerTar)
            try? FileManager.default.removeItem(at: blob)
            try? FileManager.default.removeItem(at: layerTar)
        }
        for directory in mountPoints {
            let path = rootfs.path + "/" + directory
            var info = stat()
            if lstat(path, &info) != 0 {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: false,
                    attributes: [.posixPermissions: directory == "tmp" ? 0o1777 : 0o755])
            } else if directory == "tmp", (info.st_mode & S_IFMT) == S_IFDIR {
                // runc gives the /tmp tmpfs the mode of the image's /tmp; programs are not root, so it must be 1777.
                guard chmod(path, 0o1777) == 0 else { throw SandboxError.io("chmod", path: path, errno: errno) }
            }
        }
        return rootfs
    }

    /// gzip and zstd layers are recognised by their magic bytes; plain tars are used as they are.
    private static func decompress(_ blob: URL, to destination: URL) async throws -> URL {
        guard let handle = FileHandle(forReadingAtPath: blob.path) else { throw SandboxError.io("open", path: blob.path, errno: errno) }
        let magic = [UInt8](try handle.read(upToCount: 4) ?? Data())
        try? handle.close()
        let tool: (name: String, package: String)
        if magic.starts(with: [0x1f, 0x8b]) {
            tool = ("gzip", "gzip")
        } else if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) {
            tool = ("zstd", "zstd")
        } else {
            return blob
        }
        let executable = try Executable.require(tool.name, package: tool.package)
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
            let output = FileHandle(forWritingAtPath: destination.path)
        else { throw SandboxError.io("create", path: destination.path, errno: errno) }
        defer { try? output.close() }
        let outcome = try await ChildProcess.run(executable, ["-d", "-c", blob.path], logLimit: 64 * 1024, stdoutFile: output)
        guard outcome.status == 0 else {
            throw SandboxError.invalidArchive("\(tool.name) could not decompress a layer: \(outcome.stderr.text.trimmed)")
        }
        return destination
    }
}
