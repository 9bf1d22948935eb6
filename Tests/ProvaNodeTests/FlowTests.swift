import Foundation
import ProvaCore
import ProvaNode
import ProvaTesting
import Testing

/// A whole proof through the node's HTTP API, with the test playing the workers (signed transactions). One body, run
/// against the router in memory and against a live server. The node runs on a manual clock, so a block comes exactly
/// when the test moves the clock (`TestNode.commit`), and the test waits on the node's own event hub, never on time.
@Suite("Proof flow over HTTP", .tags(.integration))
struct FlowTests {
    @Test("deploy, request, see the assignment, accept/result/votes as workers, verified and paid as the ledger says",
          arguments: Fidelity.allCases)
    func flow(_ fidelity: Fidelity) async throws {
        let clock = ManualClock(startingAt: Milliseconds(Date().timeIntervalSince1970 * 1000))
        try await TestNode.with(fidelity, clock: clock) { node in
            let deployed = try await node.send(.deployProgram(Fixtures.program("http-demo")), by: node.user)
            let program = try #require(deployed.outcome?.created)
            let balance = try await node.account(node.user.address).account.balance

            // Follow the user's events from the next block on, before requesting.
            let userEvents = node.events(EventSelector(account: node.user.address))
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib), timeLimitSeconds: 60)
            let requested = try await node.send(.requestProof(request), by: node.user)
            let taskID = try #require(requested.outcome?.created)
            // Its prover is drawn in the next block, by that block's beacon.
            try await node.nextBlock()
            let assignment = try await node.first("the task's assignment", in: userEvents) {
                $0.event.kind == .taskAssigned && $0.event.task == taskID
            }
            let assigned = assignment.event
            let prover = try #require(node.workers.first { $0.address == assigned.worker })
            let attempt = try #require(assigned.attempt)

            // The prover sends its result right behind its acceptance, without waiting for a block: the node admits the
            // result (checked as it applies after the waiting acceptance) and both land in the next block.
            let proof = OutputRef(path: "proof.bin", digest: SHA256Hex.of("proof"), size: 5)
            let nonce = try await node.account(prover.address).nextNonce
            let accept = try node.sign(.acceptTask(AcceptTask(task: taskID, attempt: attempt)), by: prover, nonce: nonce)
            let result = try node.sign(.submitResult(
                SubmitResult(task: taskID, attempt: attempt, exitCode: 0, outputs: [proof],
                             usage: MeasuredUsage(wallMilliseconds: 1_200, cpuMilliseconds: 2_000, peakMemoryBytes: Units.gib))), by: prover, nonce: nonce + 1)
            let acceptAnswer = try await node.submit(accept)
            let resultAnswer = try await node.submit(result)
            #expect(acceptAnswer.status == 202 && acceptAnswer.transaction.status == .pending)
            #expect(resultAnswer.status == 202 && resultAnswer.transaction.status == .pending)
            let resultCommit = try await node.commit(result)
            let acceptCommit = try await node.submit(accept, waitForCommit: true).transaction
            #expect(resultCommit.status == .committed && acceptCommit.status == .committed)
            #expect(resultCommit.height == acceptCommit.height)
            try await node.nextBlock()
            // A result with no acceptance before it is still refused on entry, and changes nothing.
            let refused = await #expect(throws: HTTPRefusal.self) {
                try await node.send(.submitResult(SubmitResult(task: taskID, attempt: attempt + 1, exitCode: 0, outputs: [proof])), by: prover)
            }
            #expect(refused?.status == 422 && refused?.code == "unknown_attempt", "\(String(describing: refused))")

            try await node.eventually("three verifiers are drawn", events: EventSelector(task: taskID)) {
                try await node.task(taskID).attempts[attempt - 1].verifiers.count == 3
            }
            let delivered = try await node.task(taskID)
            #expect(delivered.state == .delivered)
            // Every drawn verifier commits; reveals open with the last commitment, and the verdict waits for every reveal.
            let verifiers = try delivered.attempts[attempt - 1].verifiers.map { duty in try #require(node.workers.first { $0.address == duty.worker }) }
            for (index, verifier) in verifiers.enumerated() {
                let ballot = Ballot.scripted(.valid, on: delivered, attempt: attempt, by: verifier.address)
                if index == verifiers.count - 1 {
                    // Before the last commitment nothing may be revealed: a vote cannot be copied. Refused on entry.
                    let early = await #expect(throws: HTTPRefusal.self) { 
                        try await node.send(.revealVote(Ballot.scripted(.valid, on: delivered, attempt: attempt, by: verifiers[0].address).reveal), by: verifiers[0])
                    }
                    #expect(early?.status == 422 && early?.code == "reveals_not_open", "\(String(describing: early))")
                }
                try await node.send(.commitVote(try ballot.commit(by: verifier.address)), by: verifier)
            }
            #expect(try await node.task(taskID).attempts[attempt - 1].revealDeadlineMilliseconds != nil)
            for verifier in verifiers {
                try await node.send(.revealVote(Ballot.scripted(.valid, on: delivered, attempt: attempt, by: verifier.address).reveal), by: verifier)
            }
            let task = try await node.task(taskID)
            #expect(task.state == .verified)
            #expect(task.attempts[attempt - 1].result?.usage.wallMilliseconds == 1_200)
            let fee = task.feePerSlot
            #expect(try fee == Pricing.fee(request.resources, seconds: 60, prices: .genesis))
            // The request also paid its transaction fee (into the treasury), shown in its outcome.
            let transactionFee = requested.outcome?.fee ?? 0
            #expect(transactionFee > 0)
            #expect(try await node.account(node.user.address).account.balance == balance - fee - transactionFee)
            #expect(try await node.worker(prover.address).earned == Pricing.share(fee, basisPoints: 8_500))
            let voters = task.attempts[attempt - 1].verifiers.filter { $0.vote == .valid }.map(\.worker)
            for voter in voters {
                #expect(try await node.worker(voter).earned == Pricing.share(fee, basisPoints: 1_000) / Int64(voters.count))
            }
            let listed = try await node.tasks(requester: node.user.address)
            #expect(listed.first?.id == taskID)
            let stats = try await node.stats()
            #expect(stats.tasksVerified == 1)
        }
    }
}
