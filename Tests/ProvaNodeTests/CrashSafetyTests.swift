import Foundation
import ProvaClient
import ProvaNode
import ProvaCore
import ProvaTesting
import Testing

/// A node killed with SIGKILL while transactions stream in loses nothing it acknowledged as committed.
@Suite("Crash safety", .tags(.integration), .serialized)
struct CrashSafetyTests {
    struct Acknowledged: Sendable {
        let hash: TransactionHash
        let height: UInt64
    }

    actor Ledgerbook {
        var acknowledged: [Acknowledged] = []
        func add(_ item: Acknowledged) -> Int {
            acknowledged.append(item)
            return acknowledged.count
        }
    }

    @Test("SIGKILL during a stream of transactions; restart; every acknowledged transaction is there, same digest, chain continues")
    func killAndRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await NodeProcess.run(["node", "init", "--chain-id", "crash-test", "--data-dir", directory.path])
        let authority = try StoredKey.read(directory.appendingPathComponent("node.key"))

        let first = try await NodeProcess.start(dataDirectory: directory)
        let client = try ProvaClient(node: first.url)
        let senders = (0..<4).map { AccountKey(deterministicFrom: "crash-sender-\($0)") }
        for sender in senders {
            _ = try await client.send(.transfer(Transfer(to: sender.address, amount: 10 * MicroCredit.perCredit)), signedBy: authority)
        }
        let book = Ledgerbook()
        let target = 40
        let chain = try await client.chain()
        // Four senders stream transfers, each waiting for its commit; the node is killed once 40 are acknowledged.
        await withTaskGroup(of: Void.self) { group in
            for (index, sender) in senders.enumerated() {
                group.addTask {
                    while true {
                        do {
                            let status = try await client.send(.transfer(Transfer(to: senders[(index + 1) % senders.count].address, amount: 1)),
                                                               signedBy: sender, chain: chain)
                            if let height = status.height, await book.add(Acknowledged(hash: status.hash, height: height)) >= target {
                                first.kill()
                            }
                        } catch {
                            return  // the node is gone
                        }
                    }
                }
            }
        }
        let acknowledged = await book.acknowledged
        #expect(acknowledged.count >= target)

        _ = try await first.exited()
        let second = try await NodeProcess.start(dataDirectory: directory)
        let restarted = try ProvaClient(node: second.url)
        for item in acknowledged {
            let status = try await restarted.transaction(hash: item.hash)
            #expect(status.status == .committed)
            #expect(status.height == item.height)
        }
        let status = try await restarted.status()
        #expect(status.height >= acknowledged.map(\.height).max() ?? 0)
        let last = try await restarted.block(height: status.height)
        #expect(last.block.header.stateDigest == status.stateDigest)
        let next = try await restarted.send(.transfer(Transfer(to: senders[0].address, amount: 1)), signedBy: authority)
        #expect((next.height ?? 0) > status.height)
        _ = await second.terminate()
    }

    @Test("SIGTERM finishes the block in progress and exits cleanly")
    func gracefulStop() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await NodeProcess.run(["node", "init", "--chain-id", "stop-test", "--data-dir", directory.path])
        let node = try await NodeProcess.start(dataDirectory: directory)
        let authority = try StoredKey.read(directory.appendingPathComponent("node.key"))
        let client = try ProvaClient(node: node.url)
        let committed = try await client.send(.transfer(Transfer(to: AccountKey(deterministicFrom: "x").address, amount: 1)), signedBy: authority)
        #expect(await node.terminate() == 0)
        let again = try await NodeProcess.start(dataDirectory: directory)
        #expect(try await ProvaClient(node: again.url).transaction(hash: committed.hash).status == .committed)
        _ = await again.terminate()
    }
}

extension StoredKey {
    static func read(_ url: URL) throws -> AccountKey {
        let data = try Data(contentsOf: url)
        return try JSONDecoder().decode(StoredKey.self, from: data).accountKey()
    }
}

@Suite("Data directory", .tags(.integration))
struct DataDirectoryTests {
    @Test("a second node on the same data directory is refused while the first runs")
    func exclusive() async throws {
        try await LiveNode.with { live in
            do {
                _ = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: live.directory, port: 0))
                Issue.record("a second node opened a data directory in use")
            } catch let error as NodeError {
                #expect(error.code == .dataDirectoryInUse)
            }
        }
    }
}
