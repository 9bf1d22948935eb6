import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// A whole proof through a live node and the SDK (`ProvaClient`: `send`, `submit`, the SSE event stream,
/// `waitForTask`, the readers), with the test playing the workers. The same journey over raw HTTP at both fidelities is
/// `FlowTests`.
@Suite("Proof flow through the SDK", .tags(.integration))
struct SDKJourneyTests {
    @Test("deploy, request, see the assignment on SSE, accept/result/votes as workers, verified and paid as the ledger says")
    func journey() async throws {
        try await LiveNode.with { live in
            let client = live.client
            let deployed = try await client.send(.deployProgram(Fixtures.program("http-demo")), signedBy: live.user)
            let program = try #require(deployed.outcome?.created)
            let balance = try await client.account(live.user.address).account.balance

            // Follow the user's events from the next block on, before requesting.
            let from = try await client.status().height + 1
            let stream = client.events(account: live.user.address, from: from)
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib), timeLimitSeconds: 60)
            let requested = try await client.send(.requestProof(request), signedBy: live.user)
            let taskID = try #require(requested.outcome?.created)
            var assignment: LedgerEvent?
            for try await streamed in stream where streamed.event.kind == .taskAssigned && streamed.event.task == taskID {
                assignment = streamed.event
                break
            }
            let assigned = try #require(assignment)
            let prover = try #require(live.workers.first { $0.address == assigned.worker })
            let attempt = try #require(assigned.attempt)

            // The prover sends its result right behind its acceptance, without waiting for a block: the node admits the
            // result (checked as it applies after the waiting acceptance). On the system clock a block may fall between
            // the two; that both land in one block is checked on a manual clock by `FlowTests`.
            let proof = OutputRef(path: "proof.bin", digest: SHA256Hex.of("proof"), size: 5)
            let nonce = try await client.account(prover.address).nextNonce
            let accept = try UnsignedTransaction(chain: live.chain, sender: prover.publicKeyHex, nonce: nonce,
                                                 body: .acceptTask(AcceptTask(task: taskID, attempt: attempt))).signed(by: prover)
            let result = try UnsignedTransaction(chain: live.chain, sender: prover.publicKeyHex, nonce: nonce + 1, body: .submitResult(
                SubmitResult(task: taskID, attempt: attempt, exitCode: 0, outputs: [proof],
                             usage: MeasuredUsage(wallMilliseconds: 1_200, cpuMilliseconds: 2_000, peakMemoryBytes: Units.gib)))).signed(by: prover)
            #expect(try await client.submit(accept).status == .pending)
            #expect(try await client.submit(result).status == .pending)
            let resultCommit = try await client.submit(result, waitForCommit: true)
            let acceptCommit = try await client.submit(accept, waitForCommit: true)
            #expect(resultCommit.status == .committed && acceptCommit.status == .committed)
            #expect(try #require(resultCommit.height) >= (try #require(acceptCommit.height)))
            // A result with no acceptance before it is still refused on entry, and changes nothing.
            await #expect(throws: ClientError.self) {
                try await client.send(.submitResult(SubmitResult(task: taskID, attempt: attempt + 1, exitCode: 0, outputs: [proof])), signedBy: prover)
            }
            let delivered = try await client.waitForTask(taskID, until: { $0.attempts[attempt - 1].verifiers.count == 3 }, timeout: .seconds(30))
            #expect(delivered.state == .delivered)
            let verifiers = try delivered.attempts[attempt - 1].verifiers.map { duty in try #require(live.workers.first { $0.address == duty.worker }) }
            for verifier in verifiers {
                let ballot = Ballot.scripted(.valid, on: delivered, attempt: attempt, by: verifier.address)
                _ = try await client.send(.commitVote(try ballot.commit(by: verifier.address)), signedBy: verifier)
            }
            for verifier in verifiers {
                _ = try await client.send(.revealVote(Ballot.scripted(.valid, on: delivered, attempt: attempt, by: verifier.address).reveal), signedBy: verifier)
            }
            let task = try await client.task(taskID)
            #expect(task.state == .verified)
            #expect(task.attempts[attempt - 1].result?.usage.wallMilliseconds == 1_200)
            let fee = task.feePerSlot
            #expect(try fee == Pricing.fee(request.resources, seconds: 60, prices: .genesis))
            let transactionFee = requested.outcome?.fee ?? 0
            #expect(transactionFee > 0)
            #expect(try await client.account(live.user.address).account.balance == balance - fee - transactionFee)
            #expect(try await client.worker(prover.address).earned == Pricing.share(fee, basisPoints: 8_500))
            let voters = task.attempts[attempt - 1].verifiers.filter { $0.vote == .valid }.map(\.worker)
            for voter in voters {
                #expect(try await client.worker(voter).earned == Pricing.share(fee, basisPoints: 1_000) / Int64(voters.count))
            }
            let listed = try await client.tasks(requester: live.user.address)
            #expect(listed.first?.id == taskID)
            let stats = try await client.stats()
            #expect(stats.tasksVerified == 1)

            // The verified task's certificate checks with the genesis alone, and fails once anything in it changes.
            let certificate = try await client.certificate(task: taskID)
            try checkCertificate(certificate, genesis: try await client.genesis(), prover: prover.address, voters: voters)
        }
    }

    private func checkCertificate(_ certificate: ProofCertificate, genesis: Genesis, prover: Address, voters: [Address]) throws {
        let report = try certificate.check(genesis: genesis)
        #expect(report.prover == prover && Set(report.verifiers) == Set(voters) && report.requestedVerifiers == 3)
        func refused(_ change: (inout ProofCertificate) -> Void) -> Bool {
            var changed = certificate
            change(&changed)
            return (try? changed.check(genesis: genesis)) == nil
        }
        #expect(refused { $0.outputs[0].digest = SHA256Hex.of("another proof") })
        #expect(refused { $0.transactions[1].header.stateDigest = SHA256Hex.of("another state") })
        #expect(refused { $0.transactions[0].path.append(SHA256Hex.of("x")) })
        #expect(refused { $0.transactions.append($0.transactions[2]) })
        #expect(refused { $0.transactions.removeLast(2) })
        #expect(refused { $0.prover = voters[0] })
        var otherChain = genesis
        otherChain.chainID = "another-chain"
        #expect((try? certificate.check(genesis: otherChain)) == nil)
        // Two valid reveals of three requested are still a strict majority.
        var twoVotes = certificate
        twoVotes.transactions.removeLast()
        #expect(try twoVotes.check(genesis: genesis).verifiers.count == 2)

        // As a file: the canonical bytes check; a change of any byte fails.
        let file = try CanonicalJSON.encode(certificate) + [UInt8(ascii: "\n")]
        #expect(try ProofCertificate.check(file: file, genesis: genesis).1 == report)
        for position in stride(from: 0, to: file.count - 1, by: max(1, file.count / 200)) {
            var changed = file
            changed[position] = changed[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            #expect((try? ProofCertificate.check(file: changed, genesis: genesis)) == nil, "a change at byte \(position) was not noticed")
        }
    }
}
