import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient

@Suite(.tags(.unit))
struct TaskRecordTests {
    private func attempt(_ number: Int, _ state: AttemptState, deliveredAt: Milliseconds? = nil, exitCode: Int32 = 0, votes: [Verdict?] = []) -> Attempt {
        let result = deliveredAt.map { _ in SubmitResult(task: "t", attempt: number, exitCode: exitCode, outputs: [OutputRef(path: "proof", digest: String(repeating: "0", count: 64), size: 1)]) }
        return Attempt(number: number, slot: 0, worker: "w\(number)", state: state, assignedAtMilliseconds: 1_000, acceptDeadlineMilliseconds: 4_000,
                       acceptedAtMilliseconds: 2_000, runDeadlineMilliseconds: 200_000, result: result, deliveredAtMilliseconds: deliveredAt,
                       verifiers: votes.map { VerifierDuty(worker: "v", drawnAtMilliseconds: 0, deadlineMilliseconds: 0, state: $0 == nil ? .pending : .voted, vote: $0) },
                       verifiersNeeded: 3, verifierReplacements: 0, decidedAtMilliseconds: nil, failure: nil)
    }

    private func task(_ state: TaskState, _ attempts: [Attempt], verified: Int? = nil) -> TaskRecord {
        TaskRecord(id: "t", kind: .proof, requester: "r", program: "p", inputs: [], proof: [], resources: Resources(cpuMillicores: 2000, memoryBytes: 1 << 30),
                   timeLimitSeconds: 120, environment: [], redundancy: 2, verifierCount: 3, proverSet: nil, workflow: nil, step: nil, targetWorker: nil,
                   feePerSlot: 1_000, escrow: 2_000, state: state, submittedAtMilliseconds: 0, submittedAtHeight: 1, deliveredAtMilliseconds: nil,
                   completedAtMilliseconds: nil, slots: [], attempts: attempts, provers: [], paid: 0, refunded: 500, burned: 0, failure: nil,
                   verifiedAttempt: verified, draws: attempts.count)
    }

    @Test func verifiedAttemptIsPreferred() throws {
        let record = task(.verified, [attempt(1, .delivered, deliveredAt: 5_000), attempt(2, .verified, deliveredAt: 9_000)], verified: 2)
        #expect(try record.deliverableAttempt(requireVerified: true).number == 2)
        #expect(try record.deliverableAttempt(requireVerified: false).number == 2)
    }

    @Test func firstDeliveredAttemptUnlessVerifiedIsRequired() throws {
        let record = task(.delivered, [attempt(1, .failed, deliveredAt: 3_000, exitCode: 1), attempt(2, .delivered, deliveredAt: 9_000),
                                       attempt(3, .delivered, deliveredAt: 6_000)])
        #expect(try record.deliverableAttempt(requireVerified: false).number == 3)
        let error = #expect(throws: ClientError.self) { try record.deliverableAttempt(requireVerified: true) }
        #expect(error?.code == .notVerified)
    }

    @Test func nothingDeliveredSaysHowToFollowTheTask() {
        let error = #expect(throws: ClientError.self) { try task(.running, [attempt(1, .running)]).deliverableAttempt(requireVerified: false) }
        #expect(error?.code == .notDelivered)
        #expect(error?.message.contains("prova task watch t") == true)
    }

    @Test func progressFollowsTheNewestAttemptAndCountsVotes() {
        let progress = TaskProgress(task(.delivered, [attempt(1, .failed), attempt(2, .delivered, deliveredAt: 50_000, votes: [.valid, nil, .invalid])]))
        #expect(progress.attempt == 2)
        #expect(progress.worker == "w2")
        #expect(progress.votes == 2)
        #expect(progress.votesNeeded == 3)
        #expect(progress.fee == 2_000)
        #expect(progress.refunded == 500)
        #expect(progress.elapsedMilliseconds(now: 99_999) == 48_000)
    }

    @Test func elapsedRunsFromAcceptanceUntilDelivery() {
        let running = TaskProgress(task(.running, [attempt(1, .running)]))
        #expect(running.elapsedMilliseconds(now: 12_000) == 10_000)
        #expect(running.elapsedMilliseconds(now: 0) == 0)
        #expect(TaskProgress(task(.pending, [])).elapsedMilliseconds(now: 5_000) == nil)
    }
}
