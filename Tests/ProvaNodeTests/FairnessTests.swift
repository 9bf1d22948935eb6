import Foundation
import HTTPTypes
import ProvaCore
import ProvaNode
import ProvaTesting
import Testing

/// A flood cannot crowd out the workers (docs/API.md "Fairness"): worker duties have room of their own in the mempool
/// and go first in blocks; one sender cannot take more than its quota; a key with no balance can write nothing.
@Suite("Mempool fairness", .tags(.integration))
struct FairnessTests {
    @Test("a full general lane and a sender over its quota get 503 with Retry-After; an assigned worker's acceptance is still admitted and committed first",
          arguments: Fidelity.allCases)
    func dutiesKeepTheirRoom(_ fidelity: Fidelity) async throws {
        let clock = ManualClock(startingAt: Milliseconds(Date().timeIntervalSince1970 * 1000))
        try await TestNode.with(fidelity, clock: clock, configure: { $0.mempoolCapacity = 6; $0.senderQuota = 3 }) { node in
            let second = AccountKey(deterministicFrom: "second-sender")
            try await node.send(.transfer(Transfer(to: second.address, amount: 10 * MicroCredit.perCredit)), by: node.user)
            let program = try #require(try await node.send(.deployProgram(Fixtures.program("fair")), by: node.user).outcome?.created)
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)
            let task = try #require(try await node.send(.requestProof(request), by: node.user).outcome?.created)
            try await node.nextBlock()
            let assigned = try await node.task(task)
            let prover = try #require(node.workers.first { $0.address == assigned.attempts.first?.worker })

            // A key with no balance can write nothing: refused on entry with what to do, before any room is taken.
            let broke = AccountKey(deterministicFrom: "broke")
            let unfunded = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(
                try node.sign(.deployProgram(Fixtures.program("spam")), by: broke, nonce: 0))))
            #expect(unfunded.status == 422 && unfunded.errorCode == "insufficient_balance")

            // One sender fills its quota; the next is refused with a retry hint.
            var nonce = try await node.account(node.user.address).nextNonce
            for index in 0..<3 {
                let transfer = try node.sign(.transfer(Transfer(to: second.address, amount: Int64(index + 1))), by: node.user, nonce: nonce)
                #expect(try await node.submit(transfer).status == 202)
                nonce += 1
            }
            let overQuota = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(
                try node.sign(.transfer(Transfer(to: second.address, amount: 99)), by: node.user, nonce: nonce))))
            #expect(overQuota.status == 503 && overQuota.errorCode == "sender_quota_exceeded")
            #expect(overQuota.headers[.retryAfter] != nil)
            // A second sender fills the rest of the general lane; then the lane is full for everyone.
            for index in 0..<3 {
                let transfer = try node.sign(.transfer(Transfer(to: node.user.address, amount: Int64(index + 1))), by: second, nonce: UInt64(index))
                #expect(try await node.submit(transfer).status == 202)
            }
            let third = AccountKey(deterministicFrom: "third-sender")
            let full = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(
                try node.sign(.transfer(Transfer(to: third.address, amount: 1)), by: second, nonce: 3))))
            #expect(full.status == 503 && full.retryAfterPresent)

            // The prover's acceptance has room of its own, and goes first in the next block.
            let proverNonce = try await node.account(prover.address).nextNonce
            let accept = try node.sign(.acceptTask(AcceptTask(task: task, attempt: 1)), by: prover, nonce: proverNonce)
            #expect(try await node.submit(accept).status == 202)
            let committed = try await node.commit(accept)
            let block = try await node.block(try #require(committed.height))
            #expect(block.block.transactions.first?.body.kind == .AcceptTask)
            #expect(try await node.task(task).attempts.first?.state == .running)
        }
    }
}

extension HTTPAnswer {
    var retryAfterPresent: Bool { headers[.retryAfter] != nil }
}
