import Foundation
import ProvaTesting
import Testing

@testable import ProvaSandbox
import ProvaCore

@Suite("ImageStore: importing images", .tags(.integration))
struct ImageStoreTests {
    /// Runs a container on an imported rootfs and checks what each layer contributed.
    private func checkLayers(_ rootfs: URL) async throws {
        let spec = try Fixtures.spec(
            """
            cat /etc/hello
            ls /etc/dir
            test -e /etc/remove-me && echo REMOVE_ME_PRESENT || echo REMOVE_ME_GONE
            cat /etc/abs-marker
            """)
        var imageSpec = spec
        imageSpec.rootfs = rootfs
        let result = try await Fixtures.runtime().run(imageSpec)
        #expect(result.exitCode == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == "hello from layer 2\nnew\nREMOVE_ME_GONE\nprova-test\n")
    }

    @Test("a docker-save archive is imported once, with whiteouts applied, and runs")
    func dockerSave() async throws {
        let archive = try ImageFixtures.dockerArchive(layers: ImageFixtures.busyboxLayers(gzip: false))
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let digest = try ImageFixtures.digest(of: archive)
        let rootfs = try await store.rootfs(forArchive: archive, expectedDigest: digest)
        try await checkLayers(rootfs)
        let again = try await store.rootfs(forArchive: archive, expectedDigest: digest)
        #expect(again == rootfs)
        #expect(await store.importedDigests() == [String(digest.dropFirst(7))])
    }

    @Test("an OCI layout archive with a nested index and gzip layers is imported and runs")
    func ociLayout() async throws {
        let archive = try ImageFixtures.ociArchive(layers: ImageFixtures.busyboxLayers(gzip: true))
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let rootfs = try await store.rootfs(forArchive: archive, expectedDigest: ImageFixtures.digest(of: archive))
        try await checkLayers(rootfs)
    }

    @Test("an archive whose digest does not match is rejected and nothing is cached")
    func archiveDigestMismatch() async throws {
        let archive = try ImageFixtures.dockerArchive(layers: ImageFixtures.busyboxLayers(gzip: false))
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let error = await #expect(throws: SandboxError.self) {
            try await store.rootfs(forArchive: archive, expectedDigest: String(repeating: "ab", count: 32))
        }
        #expect(error?.code == .digestMismatch)
        #expect(await store.importedDigests().isEmpty)
    }

    @Test("a layer blob that does not match its manifest digest is rejected")
    func tamperedBlob() async throws {
        let archive = try ImageFixtures.ociArchive(layers: ImageFixtures.busyboxLayers(gzip: true), tamperLayer: true)
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let error = await #expect(throws: SandboxError.self) {
            try await store.rootfs(forArchive: archive, expectedDigest: ImageFixtures.digest(of: archive))
        }
        #expect(error?.code == .digestMismatch)
        #expect(await store.importedDigests().isEmpty)
    }

    @Test("least recently used images are evicted beyond the disk budget")
    func eviction() async throws {
        let first = try ImageFixtures.dockerArchive(layers: ImageFixtures.busyboxLayers(gzip: false, variant: "a"))
        let second = try ImageFixtures.dockerArchive(layers: ImageFixtures.busyboxLayers(gzip: false, variant: "b"))
        let storeRoot = try Fixtures.temporaryDirectory("store")
        let size = DiskUsage.bytes(of: try Fixtures.rootfs().path)
        let store = ImageStore(root: storeRoot, diskBudgetBytes: size + size / 2)
        let firstDigest = try ImageFixtures.digest(of: first)
        let secondDigest = try ImageFixtures.digest(of: second)
        let firstRootfs = try await store.rootfs(forArchive: first, expectedDigest: firstDigest)
        _ = try await store.rootfs(forArchive: second, expectedDigest: secondDigest)
        #expect(await store.importedDigests() == [String(secondDigest.dropFirst(7))])
        #expect(!FileManager.default.fileExists(atPath: firstRootfs.path))
        // A new store on the same directory finds what is cached.
        let reopened = ImageStore(root: storeRoot, diskBudgetBytes: size + size / 2)
        #expect(await reopened.importedDigests() == [String(secondDigest.dropFirst(7))])
    }
}

/// A crafted layer and the marker path it would create on the host if extraction escaped.
struct HostileLayer: Sendable, CustomTestStringConvertible {
    let label: String
    let build: @Sendable (_ escapeDirectory: String) throws -> Data

    var testDescription: String { label }

    static let all: [HostileLayer] = [
        HostileLayer(label: "../ entry") { escape in
            var tar = TarWriter(checkingNames: false)
            try tar.add("../../../../../../../../../..\(escape)/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "absolute entry") { escape in
            var tar = TarWriter(checkingNames: false)
            try tar.add("\(escape)/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "symlink escaping the root") { escape in
            var tar = TarWriter(checkingNames: false)
            try tar.add("etc", kind: .directory, mode: 0o755)
            try tar.add("etc/link", kind: .symlink, linkTarget: "../../../../../../../../..\(escape)")
            return tar.finished()
        },
        HostileLayer(label: "write through an absolute symlink") { escape in
            var tar = TarWriter(checkingNames: false)
            try tar.add("link", kind: .symlink, linkTarget: escape)
            try tar.add("link/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "hard link to ../") { escape in
            var tar = TarWriter(checkingNames: false)
            try tar.add("escaped", kind: .hardlink, linkTarget: "../../../../../../etc/passwd")
            return tar.finished()
        },
        HostileLayer(label: "hard link to a host file the image did not write") { _ in
            var tar = TarWriter(checkingNames: false)
            try tar.add("etc", kind: .directory, mode: 0o755)
            try tar.add("etc/passwd-copy", kind: .hardlink, linkTarget: "etc/passwd")
            return tar.finished()
        },
        HostileLayer(label: "GNU sparse member (GNU tar would unpack it differently)") { _ in
            var tar = TarWriter(checkingNames: false)
            try tar.add("sparse", content: Data("x".utf8))
            return TarHeaderPatch.settingType(UInt8(ascii: "S"), in: tar.finished())
        },
        HostileLayer(label: "device node") { _ in
            var tar = TarWriter(checkingNames: false)
            try tar.add("disk", kind: .characterDevice)
            return tar.finished()
        },
    ]
}

@Suite("ImageStore: unsafe archives", .tags(.integration))
struct UnsafeArchiveTests {
    @Test("unsafe layer entries are rejected at import and nothing escapes", arguments: HostileLayer.all)
    func rejected(_ hostile: HostileLayer) async throws {
        let escape = try Fixtures.temporaryDirectory("escape")
        let archive = try ImageFixtures.dockerArchive(craftedLayer: try hostile.build(escape.path))
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let error = await #expect(throws: SandboxError.self) {
            try await store.rootfs(forArchive: archive, expectedDigest: ImageFixtures.digest(of: archive))
        }
        #expect(error?.code == .unsafeArchive, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: escape.path + "/escaped"))
        #expect(await store.importedDigests().isEmpty)
    }
}

/// Rewrites the first header of a tar: for entry types `TarWriter` does not write.
enum TarHeaderPatch {
    static func settingType(_ type: UInt8, in archive: Data) -> Data {
        var bytes = [UInt8](archive)
        bytes[156] = type
        for index in 148..<156 { bytes[index] = 32 }
        let sum = bytes[0..<512].reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        let field = [UInt8](repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, 32]
        bytes.replaceSubrange(148..<156, with: field)
        return Data(bytes)
    }
}

/// A small compressed layer that expands past the image cache's budget is stopped while it is written.
@Suite("ImageStore: budget", .tags(.integration))
struct ImageBudgetTests {
    /// Six 4 MiB files of zeros: 24 MiB unpacked, a few KiB compressed.
    static func expandingArchive() throws -> URL {
        var tar = TarWriter()
        try tar.add("data", kind: .directory, mode: 0o755)
        for index in 0..<6 { try tar.add("data/zeros-\(index)", content: Data(count: 4 << 20)) }
        let directory = try Fixtures.temporaryDirectory("expanding")
        let layer = directory.appendingPathComponent("layer.tar")
        try tar.finished().write(to: layer)
        try Fixtures.runTool("/bin/gzip", ["-n", "-9", layer.path])
        return try ImageFixtures.dockerArchive(layers: [layer.appendingPathExtension("gz")])
    }

    @Test("an image unpacking past the budget is refused with the reason, and the disk holds no more than the budget")
    func expandingLayer() async throws {
        let archive = try Self.expandingArchive()
        #expect(try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int ?? 0 < 1 << 20)
        let staging = try Fixtures.temporaryDirectory("staging")
        let budget: Int64 = 10 << 20
        let error = await #expect(throws: SandboxError.self) {
            _ = try await ImageImporter.importArchive(archive, staging: staging, budgetBytes: budget)
        }
        #expect(error?.code == .imageTooLarge)
        #expect(error?.message.contains("budget of 10MiB") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("--image-cache") == true)
        // What the import left (before the store removes it) is within the budget: it stopped while writing.
        #expect(DiskUsage.bytes(of: staging.path) <= budget)
    }

    @Test("through the store: nothing is imported and the staging area is removed")
    func expandingLayerInStore() async throws {
        let archive = try Self.expandingArchive()
        let root = try Fixtures.temporaryDirectory("store")
        let store = ImageStore(root: root, diskBudgetBytes: 10 << 20)
        let error = await #expect(throws: SandboxError.self) {
            try await store.rootfs(forArchive: archive, expectedDigest: ImageFixtures.digest(of: archive))
        }
        #expect(error?.code == .imageTooLarge)
        #expect(await store.importedDigests().isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("staging").path)) ?? []).isEmpty)
    }
}
