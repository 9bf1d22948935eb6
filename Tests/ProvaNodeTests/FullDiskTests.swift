import Foundation
import HTTPTypes
import ProvaCore
import ProvaNode
import ProvaTesting
import Testing

/// A disk that fills up (docs/API.md "Blobs"): the node refuses new work below its free-space floor; if the disk fills
/// anyway, a block that cannot be committed is not committed, the node says so on /healthz and keeps serving reads,
/// and once opened again on the same data directory the chain is intact and goes on.
@Suite("A full disk", .tags(.integration), .serialized, .enabled(if: getuid() == 0, "mounts a small tmpfs: needs root"))
struct FullDiskTests {
    /// A 48 MiB tmpfs for the node's data directory, unmounted at the end.
    static func withSmallDisk<T>(_ body: (URL) async throws -> T) async throws -> T {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("prova-full-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", mountPoint.path])
        defer {
            try? run("/bin/umount", [mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
        return try await body(mountPoint)
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)") }
    }

    /// Fills the file system holding `directory` with a file, leaving about `leaving` bytes free.
    static func fill(_ directory: URL, leaving: Int64) throws -> URL {
        let filler = directory.appendingPathComponent("filler")
        guard FileManager.default.createFile(atPath: filler.path, contents: nil) else { throw TestFailure("cannot create \(filler.path)") }
        let handle = try FileHandle(forWritingTo: filler)
        defer { try? handle.close() }
        let chunk = Data(count: 1 << 20)
        while let free = (try? FileManager.default.attributesOfFileSystem(forPath: directory.path)[.systemFreeSize] as? NSNumber)?.int64Value,
              free > leaving + Int64(chunk.count) {
            try handle.write(contentsOf: chunk)
        }
        let rest = max(0, ((try? FileManager.default.attributesOfFileSystem(forPath: directory.path)[.systemFreeSize] as? NSNumber)?.int64Value ?? 0) - leaving)
        if rest > 0 { try? handle.write(contentsOf: Data(count: Int(rest))) }
        return filler
    }

    @Test("below the floor new work is refused; a commit that fails changes nothing and is reported; the chain is intact after a restart")
    func diskFills() async throws {
        try await Self.withSmallDisk { disk in
            let files = try TestChainFiles(under: disk)
            let (before, committedHash) = try await TestNode.with(.live, configure: { $0.freeDiskFloorBytes = 2 * Units.mib }, files: files) { node in
                let committed = try await node.send(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user)
                // Under the floor: no new transaction, no upload.
                let filler = try Self.fill(files.directory, leaving: Units.mib)
                let nonce = try await node.account(node.user.address).nextNonce
                let transfer = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 2)), by: node.user, nonce: nonce)
                let refused = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(transfer)))
                #expect(refused.status == 507 && refused.errorCode == "insufficient_storage")
                // Full to the last byte while a transaction waits: its block cannot be committed.
                try FileManager.default.removeItem(at: filler)
                #expect(try await node.submit(transfer).status == 202)
                _ = try Self.fill(files.directory, leaving: 0)
                try await eventually("the node reports it cannot commit", over: node.node.healthChanges()) {
                    try await node.request(.get, "/healthz", contentType: nil).status == 503
                }
                // Reads still work.
                #expect(try await node.transaction(committed.hash).status == .committed)
                return (try await node.status(), committed.hash)
            }
            try FileManager.default.removeItem(at: files.directory.appendingPathComponent("filler"))
            // Opened again on the same data directory: the chain is exactly as committed, and goes on.
            try await TestNode.with(.live, configure: { $0.freeDiskFloorBytes = 2 * Units.mib }, files: files) { node in
                let status = try await node.status()
                #expect(status.height >= before.height)
                #expect(try await node.transaction(committedHash).status == .committed)
                let next = try await node.send(.transfer(Transfer(to: node.workers[1].address, amount: 3)), by: node.user)
                #expect(try #require(next.height) > before.height)
                #expect(try await node.request(.get, "/healthz", contentType: nil).status == 200)
            }
        }
    }
}
