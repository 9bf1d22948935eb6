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
    let build: @Sendable (_ escapeDirectory: String) -> Data

    var testDescription: String { label }

    static let all: [HostileLayer] = [
        HostileLayer(label: "../ entry") { escape in
            var tar = TarWriter()
            tar.add("../../../../../../../../../..\(escape)/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "absolute entry") { escape in
            var tar = TarWriter()
            tar.add("\(escape)/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "symlink escaping the root") { escape in
            var tar = TarWriter()
            tar.add("etc", kind: .directory, mode: 0o755)
            tar.add("etc/link", kind: .symlink, linkName: "../../../../../../../../..\(escape)")
            return tar.finished()
        },
        HostileLayer(label: "write through an absolute symlink") { escape in
            var tar = TarWriter()
            tar.add("link", kind: .symlink, linkName: escape)
            tar.add("link/escaped", content: Data("x".utf8))
            return tar.finished()
        },
        HostileLayer(label: "hard link to ../") { escape in
            var tar = TarWriter()
            tar.add("escaped", kind: .hardlink, linkName: "../../../../../../etc/passwd")
            return tar.finished()
        },
        HostileLayer(label: "device node") { _ in
            var tar = TarWriter()
            tar.add("disk", kind: .characterDevice)
            return tar.finished()
        },
    ]
}

@Suite("ImageStore: unsafe archives", .tags(.integration))
struct UnsafeArchiveTests {
    @Test("unsafe layer entries are rejected at import and nothing escapes", arguments: HostileLayer.all)
    func rejected(_ hostile: HostileLayer) async throws {
        let escape = try Fixtures.temporaryDirectory("escape")
        let archive = try ImageFixtures.dockerArchive(craftedLayer: hostile.build(escape.path))
        let store = ImageStore(root: try Fixtures.temporaryDirectory("store"), diskBudgetBytes: 1 << 30)
        let error = await #expect(throws: SandboxError.self) {
            try await store.rootfs(forArchive: archive, expectedDigest: ImageFixtures.digest(of: archive))
        }
        #expect(error?.code == .unsafeArchive, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: escape.path + "/escaped"))
        #expect(await store.importedDigests().isEmpty)
    }
}
