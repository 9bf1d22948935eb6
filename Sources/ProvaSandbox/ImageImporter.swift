import Foundation
import ProvaCore

/// Turns one verified image archive into a root filesystem directory.
enum ImageImporter {
    /// Directories the runtime mounts over; created up front so that runc never has to create
    /// them inside the shared, read-only image.
    static let mountPoints = ["proc", "dev", "sys", "tmp", "input", "output", "proof"]

    /// Builds `staging/rootfs` from `archive`, whose digest the caller has already checked, writing at most
    /// `budgetBytes` (the compressed layers copied out of the archive and every file unpacked).
    static func importArchive(_ archive: URL, staging: URL, budgetBytes: Int64) async throws -> URL {
        let members = try ArchiveMembers(archive: archive)
        let manifest = try ImageManifest.read(from: members)
        let rootfs = staging.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        let rootFD = open(rootfs.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard rootFD >= 0 else { throw SandboxError.io("open", path: rootfs.path, errno: errno) }
        defer { close(rootFD) }
        let budget = ExtractionBudget(limitBytes: budgetBytes)
        var applier = LayerApplier(root: rootfs, rootFD: rootFD, budget: budget)
        for (index, layer) in manifest.layers.enumerated() {
            let what = "layer \(index + 1) of \(manifest.layers.count) (\(layer.member))"
            let member = try members.member(layer.member)
            let blobDigest: String
            let diffID: String
            if try members.isCompressed(layer.member) {
                // Copied out first: the decompressor reads a file. It is small, and counted against the budget.
                try budget.take(member.size, for: layer.member, in: "copying " + what)
                let blob = staging.appendingPathComponent("layer-\(index).blob")
                defer { try? FileManager.default.removeItem(at: blob) }
                blobDigest = try members.copy(layer.member, to: blob)
                try check(layer, blobDigest: blobDigest)
                diffID = try await LayerSource.withStream(of: blob, what: what) { stream in
                    try applier.apply(&stream, what: what)
                    return try stream.finish()
                }
            } else {
                // A plain tar is read in place, inside the archive, once its digest is checked; the stream hashes it
                // again as it is unpacked, which is its diff ID.
                blobDigest = try members.withStream(of: member, what: what) { try $0.finish() }
                try check(layer, blobDigest: blobDigest)
                diffID = try members.withStream(of: member, what: what) { stream in
                    try applier.apply(&stream, what: what)
                    return try stream.finish()
                }
            }
            if let expected = layer.diffID, expected != diffID {
                throw SandboxError.digestMismatch(what: "uncompressed layer \(layer.member)", expected: expected, actual: diffID)
            }
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

    private static func check(_ layer: ImageManifest.Layer, blobDigest: String) throws {
        if let expected = layer.blobDigest, expected != blobDigest {
            throw SandboxError.digestMismatch(what: "layer \(layer.member)", expected: expected, actual: blobDigest)
        }
    }
}
