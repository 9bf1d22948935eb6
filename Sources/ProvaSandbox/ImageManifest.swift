import Foundation
import ProvaCore

/// The layers of the one image inside an archive, in application order, with the digests that
/// each must match.
struct ImageManifest: Sendable, Equatable {
    struct Layer: Sendable, Equatable {
        /// Archive member holding the (possibly compressed) layer.
        var member: String
        /// SHA-256 of the member's bytes, when the format names it.
        var blobDigest: String?
        /// SHA-256 of the uncompressed tar (the config's `rootfs.diff_ids`).
        var diffID: String?
    }

    var layers: [Layer]

    /// Reads an OCI layout (`oci-layout` + `index.json`, as Docker 25+ also writes) or, failing
    /// that, a classic `docker save` archive (`manifest.json`). Every JSON blob is re-hashed.
    static func read(from members: ArchiveMembers) throws -> ImageManifest {
        if members.contains("index.json") {
            return try readOCI(members)
        }
        if members.contains("manifest.json") {
            return try readDocker(members)
        }
        throw SandboxError.invalidArchive("the archive has neither index.json nor manifest.json")
    }

    // MARK: OCI layout

    private struct Descriptor: Decodable {
        var mediaType: String?
        var digest: String
        var platform: Platform?
    }

    private struct Platform: Decodable {
        var os: String?
        var architecture: String?
    }

    private struct Index: Decodable {
        var manifests: [Descriptor]?
        var layers: [Descriptor]?
        var config: Descriptor?
    }

    private static func readOCI(_ members: ArchiveMembers) throws -> ImageManifest {
        var document = try decode(Index.self, members.read("index.json"), what: "index.json")
        for _ in 0..<8 {
            if let config = document.config, let layers = document.layers {
                let diffIDs = try diffIDs(members, configMember: try blobMember(config.digest), expectedDigest: SHA256Hex.normalize(config.digest))
                guard diffIDs.count == layers.count else {
                    throw SandboxError.invalidArchive("the manifest lists \(layers.count) layers but the config \(diffIDs.count) diff_ids")
                }
                return ImageManifest(layers: try zip(layers, diffIDs).map { layer, diffID in
                    Layer(member: try blobMember(layer.digest), blobDigest: SHA256Hex.normalize(layer.digest), diffID: diffID)
                })
            }
            let candidates = (document.manifests ?? []).filter { descriptor in
                guard let platform = descriptor.platform else { return true }
                return (platform.os ?? "linux") == "linux"
                    && (platform.architecture ?? SeccompProfile.nativeArchitecture) == SeccompProfile.nativeArchitecture
            }
            guard let next = candidates.first else {
                throw SandboxError.invalidArchive(
                    "the image index has no manifest for linux/\(SeccompProfile.nativeArchitecture)")
            }
            document = try decode(Index.self, try verifiedBlob(members, digest: next.digest), what: "blob \(next.digest)")
        }
        throw SandboxError.invalidArchive("the image indexes nest too deeply")
    }

    private static func blobMember(_ digest: String) throws -> String {
        guard let hex = SHA256Hex.normalize(digest) else {
            throw SandboxError.invalidArchive("\"\(digest)\" is not a sha256 digest")
        }
        return "blobs/sha256/" + hex
    }

    private static func verifiedBlob(_ members: ArchiveMembers, digest: String) throws -> Data {
        let data = try members.read(try blobMember(digest))
        let actual = SHA256Hex.of(data)
        if let expected = SHA256Hex.normalize(digest), actual != expected {
            throw SandboxError.digestMismatch(what: "blob \(digest)", expected: expected, actual: actual)
        }
        return data
    }

    // MARK: docker save

    private struct DockerEntry: Decodable {
        var Config: String
        var Layers: [String]
    }

    private static func readDocker(_ members: ArchiveMembers) throws -> ImageManifest {
        let entries = try decode([DockerEntry].self, members.read("manifest.json"), what: "manifest.json")
        guard let image = entries.first else { throw SandboxError.invalidArchive("manifest.json lists no image") }
        let diffIDs = try diffIDs(members, configMember: image.Config, expectedDigest: digestInName(image.Config))
        guard diffIDs.count == image.Layers.count else {
            throw SandboxError.invalidArchive("manifest.json lists \(image.Layers.count) layers but the config \(diffIDs.count) diff_ids")
        }
        return ImageManifest(layers: zip(image.Layers, diffIDs).map { member, diffID in
            Layer(member: member, blobDigest: member.hasPrefix("blobs/sha256/") ? digestInName(member) : nil, diffID: diffID)
        })
    }

    /// "blobs/sha256/<hex>" and "<hex>.json" name their own digest.
    private static func digestInName(_ member: String) -> String? {
        let last = member.split(separator: "/").last.map(String.init) ?? member
        return SHA256Hex.normalize(last.hasSuffix(".json") ? String(last.dropLast(5)) : last)
    }

    // MARK: config

    private struct Config: Decodable {
        struct RootFS: Decodable { var diff_ids: [String] }
        var rootfs: RootFS
    }

    private static func diffIDs(_ members: ArchiveMembers, configMember: String, expectedDigest: String?) throws -> [String] {
        let data = try members.read(configMember)
        if let expectedDigest {
            let actual = SHA256Hex.of(data)
            guard actual == expectedDigest else {
                throw SandboxError.digestMismatch(what: "image config \(configMember)", expected: expectedDigest, actual: actual)
            }
        }
        return try decode(Config.self, data, what: "image config").rootfs.diff_ids.map { id in
            guard let hex = SHA256Hex.normalize(id) else { throw SandboxError.invalidArchive("diff_id \"\(id)\" is not a sha256 digest") }
            return hex
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw SandboxError.invalidArchive("\(what) is not valid JSON of the expected shape", underlying: error)
        }
    }
}
