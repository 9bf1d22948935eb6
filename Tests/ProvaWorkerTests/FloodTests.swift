import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// A public network is flooded on its first day. While 2,000 fresh keys (no credits) and a few funded ones send
/// deploys and transfers as fast as the node takes them, three real worker daemons prove a steady stream of short
/// tasks: every duty of theirs lands in its window (no strike, no jail, no missed acceptance or vote), and the flood
/// is refused (422 without credits, 503 with Retry-After past a sender's quota) or charged (transaction fees).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct FloodTests {
    @Test("a flood of deploys and transfers makes no honest worker miss a window; the flood is refused or charged", .tags(.endToEnd))
    func floodDoesNotStarveWorkers() async throws {
        try await WorkerNetwork.with(workers: 3, fidelity: .scripted) { network in
            let workers = try network.genesisWorkers.map { try network.start($0) }
            let chain = try await network.client.chain()
            // Funded flooders: they can pay, so they are charged, and refused only past their quota.
            let funded = (0..<10).map { AccountKey(deterministicFrom: "flood-funded-\($0)") }
            for key in funded {
                _ = try await network.client.send(.transfer(Transfer(to: key.address, amount: MicroCredit.perCredit)), signedBy: network.user)
            }
            let fresh = (0..<2_000).map { AccountKey(deterministicFrom: "flood-fresh-\($0)") }
            var unfunded: [(key: Address, body: [UInt8])] = []
            var paying: [(key: Address, body: [UInt8])] = []
            let encoder = JSONEncoder()
            for (index, key) in fresh.enumerated() {
                let body: TransactionBody = index.isMultiple(of: 2) ? .deployProgram(Fixtures.program("flood-\(index)"))
                    : .transfer(Transfer(to: network.user.address, amount: 1))
                unfunded.append((key.address, Array(try encoder.encode(try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: 0, body: body).signed(by: key)))))
            }
            for nonce in 0..<100 {
                for key in funded {
                    let body = TransactionBody.transfer(Transfer(to: network.user.address, amount: 1))
                    paying.append((key.address, Array(try encoder.encode(try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: UInt64(nonce),
                                                                                             body: body).signed(by: key)))))
                }
            }
            // Interleaved: four unfunded, then one paying, and so on.
            var flood: [(key: Address, body: [UInt8])] = []
            for index in 0..<max(unfunded.count, paying.count * 4) {
                if index < unfunded.count { flood.append(unfunded[index]) }
                if index.isMultiple(of: 4), index / 4 < paying.count { flood.append(paying[index / 4]) }
            }
            let answers = Answers()
            let items = flood
            try await withThrowingTaskGroup(of: Void.self) { group in
                let next = IndexCursor()
                let url = network.url
                for _ in 0..<16 {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let index = await next.take() else { break }
                            let item = items[index % items.count]
                            var request = HTTPClientRequest(url: url + "/v1/transactions")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(bytes: item.body))
                            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(30)) else { continue }
                            _ = try? await response.body.collect(upTo: 1 << 20)
                            await answers.record(sender: item.key, status: Int(response.status.code), retryAfter: response.headers["Retry-After"].first != nil)
                        }
                    }
                }
                // The steady stream of short tasks, one after another, while the flood runs.
                let data = try await network.input("data.txt", "under flood\n")
                for _ in 0..<6 {
                    let id = try await network.request(inputs: [data], verifiers: 2, timeLimit: 10)
                    try await network.waitForTask(id, "verification under flood") { $0.state == .verified }
                }
                await next.stop()
                try await group.waitForAll()
            }

            // No honest worker missed anything.
            for key in network.genesisWorkers {
                let worker = try #require(try await network.client.account(key.address).worker)
                #expect(worker.status == .active)
                #expect(worker.strikes == 0, "\(key.address) got \(worker.strikes) strikes under the flood")
            }
            let tasks = try await network.client.tasks(requester: network.user.address)
            for task in tasks where task.kind == .proof {
                #expect(task.attempts.allSatisfy { $0.state != .missedAcceptance && $0.state != .timedOut })
                #expect(task.attempts.allSatisfy { $0.verifiers.allSatisfy { $0.state != .missed } })
            }
            // The flood: fresh keys were refused (no credits), funded ones charged or told to retry.
            let summary = await answers.summary()
            #expect(summary.total > 2_000, "the flood sent \(summary.total) transactions")
            #expect(fresh.allSatisfy { summary.statuses[$0.address]?.allSatisfy { $0 == 422 } ?? true })
            #expect(summary.retryAfterMissing == 0, "every 503 carries Retry-After")
            for key in funded {
                let account = try await network.client.account(key.address).account
                #expect(account.balance < MicroCredit.perCredit, "a funded flooder paid fees for what it sent")
            }
            for worker in workers { try await worker.drain() }
        }
    }
}

/// What the node answered to the flood, per sender.
private actor Answers {
    private(set) var statuses: [Address: [Int]] = [:]
    private var total = 0
    private var retryAfterMissing = 0

    func record(sender: Address, status: Int, retryAfter: Bool) {
        statuses[sender, default: []].append(status)
        total += 1
        if status == 503 && !retryAfter { retryAfterMissing += 1 }
    }

    func summary() -> (total: Int, statuses: [Address: [Int]], retryAfterMissing: Int) { (total, statuses, retryAfterMissing) }
}
