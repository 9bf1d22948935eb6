import Foundation
import ProvaCore

@testable import ProvaSandbox

/// Builds image archives in both formats from layer tars.
enum ImageFixtures {
    /// A plain layer tar of `directory`'s contents, written by the sandbox's own codec (`TarWriter`), gzipped on request.
    static func layer(of directory: URL, gzip: Bool = false) throws -> URL {
        let tar = directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + ".tar")
        try TarWriter.archive(of: directory).write(to: tar)
        guard gzip else { return tar }
        try Fixtures.runTool("/bin/gzip", ["-n", "-f", tar.path])
        return tar.appendingPathExtension("gz")
    }

    /// Layer 1 is the busybox rootfs plus files that layer 2 removes with whiteouts.
    /// Layer 2 adds /etc/hello, whites out /etc/remove-me and makes /etc/dir opaque.
    static func busyboxLayers(gzip: Bool, variant: String = "") throws -> [URL] {
        let base = try Fixtures.temporaryDirectory("layers")
        let first = base.appendingPathComponent("layer1")
        try FileManager.default.copyItem(at: try Fixtures.rootfs(), to: first)
        try FileManager.default.createDirectory(at: first.appendingPathComponent("etc/dir"), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: first.appendingPathComponent("etc/dir/old"))
        try Data("bye".utf8).write(to: first.appendingPathComponent("etc/remove-me"))
        let second = base.appendingPathComponent("layer2")
        try FileManager.default.createDirectory(at: second.appendingPathComponent("etc/dir"), withIntermediateDirectories: true)
        try Data("hello from layer 2\(variant)\n".utf8).write(to: second.appendingPathComponent("etc/hello"))
        try Data().write(to: second.appendingPathComponent("etc/.wh.remove-me"))
        try Data().write(to: second.appendingPathComponent("etc/dir/.wh..wh..opq"))
        try Data("new".utf8).write(to: second.appendingPathComponent("etc/dir/new"))
        return [try layer(of: first, gzip: gzip), try layer(of: second, gzip: gzip)]
    }

    /// A classic `docker save` archive: manifest.json, <config hex>.json, <id>/layer.tar.
    static func dockerArchive(layers: [URL]) throws -> URL {
        let directory = try Fixtures.temporaryDirectory("docker-save")
        var layerNames: [String] = []
        var diffIDs: [String] = []
        for (index, layer) in layers.enumerated() {
            let id = String(repeating: String(index), count: 64)
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(id), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: layer, to: directory.appendingPathComponent(id + "/layer.tar"))
            layerNames.append(id + "/layer.tar")
            diffIDs.append("sha256:" + (try FileDigest.sha256Hex(ofFile: layer)))
        }
        let config = try json(["architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": diffIDs]])
        let configName = SHA256Hex.of(config) + ".json"
        try config.write(to: directory.appendingPathComponent(configName))
        try json([["Config": configName, "RepoTags": ["prova/test:1"], "Layers": layerNames]])
            .write(to: directory.appendingPathComponent("manifest.json"))
        return try pack(directory)
    }

    /// An OCI layout archive whose index.json points to a nested index, as Docker 25+ writes.
    /// `tamperLayer` replaces the first layer's bytes after its digest was recorded.
    static func ociArchive(layers: [URL], tamperLayer: Bool = false) throws -> URL {
        let directory = try Fixtures.temporaryDirectory("oci")
        let blobs = directory.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        func addBlob(_ data: Data) throws -> String {
            let hex = SHA256Hex.of(data)
            try data.write(to: blobs.appendingPathComponent(hex))
            return "sha256:" + hex
        }
        var layerDescriptors: [[String: Any]] = []
        var diffIDs: [String] = []
        for layer in layers {
            let bytes = try Data(contentsOf: layer)
            let digest = try addBlob(bytes)
            layerDescriptors.append(["mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": bytes.count])
            let uncompressed = try Fixtures.runTool("/bin/sh", ["-c", "gzip -dc '\(layer.path)' | sha256sum | cut -d' ' -f1"])
            diffIDs.append("sha256:" + uncompressed.trimmed)
        }
        if tamperLayer, let first = layerDescriptors.first?["digest"] as? String {
            try Data("tampered".utf8).write(to: blobs.appendingPathComponent(String(first.dropFirst(7))))
        }
        let config = try json(["architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": diffIDs]])
        let configDigest = try addBlob(config)
        let manifest = try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": config.count],
            "layers": layerDescriptors,
        ])
        let manifestDigest = try addBlob(manifest)
        let nested = try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifestDigest, "size": manifest.count,
                 "platform": ["os": "linux", "architecture": SeccompProfile.nativeArchitecture]],
            ],
        ])
        let nestedDigest = try addBlob(nested)
        try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [["mediaType": "application/vnd.oci.image.index.v1+json", "digest": nestedDigest, "size": nested.count]],
        ]).write(to: directory.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: directory.appendingPathComponent("oci-layout"))
        return try pack(directory)
    }

    /// A docker-save archive whose single layer is `layer` (crafted bytes), with correct digests.
    static func dockerArchive(craftedLayer layer: Data) throws -> URL {
        let directory = try Fixtures.temporaryDirectory("crafted")
        let file = directory.appendingPathComponent("crafted.tar")
        try layer.write(to: file)
        return try dockerArchive(layers: [file])
    }

    static func digest(of archive: URL) throws -> String {
        "sha256:" + (try FileDigest.sha256Hex(ofFile: archive))
    }

    private static func pack(_ directory: URL) throws -> URL {
        let archive = directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + ".tar")
        try TarWriter.archive(of: directory).write(to: archive)
        return archive
    }

    private static func json(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
    }
}
