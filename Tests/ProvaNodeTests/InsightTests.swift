import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// A program's statistics, a failed run's logs, verify-only requests, cancellation and an account's history, through a
/// live node and the SDK's typed calls, with the test playing the workers.
@Suite("Statistics, logs and history through the SDK", .tags(.integration))
struct InsightTests {
    /// Waits for the task's newest attempt to be assigned, then accepts it and submits `result` as its worker.
    func prove(_ live: LiveNode, _ task: TaskID, attempt number: Int,
               result: (Int) -> SubmitResult) async throws -> AccountKey {
        let record = try await live.client.waitForTask(task, until: { $0.attempts.contains { $0.number == number && $0.state == .assigned } },
                                                       timeout: .seconds(30))
        let attempt = try #require(record.attempts.first { $0.number == number })
        let prover = try #require(live.workers.first { $0.address == attempt.worker })
        _ = try await live.client.send(.acceptTask(AcceptTask(task: task, attempt: number)), signedBy: prover)
        _ = try await live.client.send(.submitResult(result(number)), signedBy: prover)
        return prover
    }

    /// Every one of the `count` drawn verifiers of the attempt commits `verdict`, then reveals it.
    func vote(_ live: LiveNode, _ task: TaskID, attempt number: Int, _ verdict: Verdict, count: Int = 3) async throws {
        let record = try await live.client.waitForTask(task, until: { $0.attempts.first { $0.number == number }?.verifiers.count ?? 0 >= count },
                                                       timeout: .seconds(30))
        let verifiers = try #require(record.attempts.first { $0.number == number }).verifiers.map { duty in
            try #require(live.workers.first { $0.address == duty.worker })
        }
        for verifier in verifiers {
            let ballot = Ballot.scripted(verdict, on: record, attempt: number, by: verifier.address)
            _ = try await live.client.send(.commitVote(try ballot.commit(by: verifier.address)), signedBy: verifier)
        }
        for verifier in verifiers {
            _ = try await live.client.send(.revealVote(Ballot.scripted(verdict, on: record, attempt: number, by: verifier.address).reveal), signedBy: verifier)
        }
    }

    @Test("an OOM-killed run then a good one: statistics count the failure, suggest more memory, and the logs read back checked")
    func statisticsAndLogs() async throws {
        try await LiveNode.with { live in
            let client = live.client
            let program = try client.createdID(try await client.send(.deployProgram(Fixtures.program("stats")), signedBy: live.user), what: "deploy")
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib), timeLimitSeconds: 60)
            let task = try client.createdID(try await client.requestProof(request, signedBy: live.user), what: "request")

            let killedBy = try await prove(live, task, attempt: 1) { number in
                SubmitResult(task: task, attempt: number, exitCode: 137, oomKilled: true, outputs: [],
                             stderrDigest: SHA256Hex.of("Killed: out of memory\n"), usage: MeasuredUsage(wallMilliseconds: 900, peakMemoryBytes: 2 * Units.gib))
            }
            // The worker's logs are blobs its result names: anyone may upload them.
            _ = try await client.putBlob(bytes: Array("Killed: out of memory\n".utf8), signedBy: killedBy)
            let goodBy = try await prove(live, task, attempt: 2) { number in
                SubmitResult(task: task, attempt: number, exitCode: 0, outputs: [OutputRef(path: "proof.bin", digest: SHA256Hex.of("proof"), size: 5)],
                             stdoutDigest: SHA256Hex.of("proved\n"),
                             usage: MeasuredUsage(wallMilliseconds: 10_000, cpuMilliseconds: 15_000, peakMemoryBytes: 512 * Units.mib))
            }
            _ = try await client.putBlob(bytes: Array("proved\n".utf8), signedBy: goodBy)
            try await vote(live, task, attempt: 2, .valid)
            #expect(try await client.task(task).state == .verified)

            let first = try await client.programStatistics(program)
            #expect(first.tasksConsidered == 1 && first.tasksByState == ["verified": 1])
            #expect(first.runs == 2 && first.runsSucceeded == 1)
            #expect(first.failuresByReason == ["out of memory": 1])
            #expect(first.wallMilliseconds == UsageSummary(median: 10_000, p90: 10_000, max: 10_000))
            #expect(first.timeUsedPercent == 16 && first.memoryUsedPercent == 25)
            // 1.5 × 10 s rounded up to 5 s; an OOM kill at 2 GiB asks for at least twice that; CPU use (1.5 of 2 cores) keeps 2.
            #expect(first.suggestion?.timeLimitSeconds == 15)
            #expect(first.suggestion?.resources == Resources(cpuMillicores: 2_000, memoryBytes: 4 * Units.gib))
            #expect(first.suggestion?.basis.contains("OOM-killed") == true)

            // A second task with a 20 s limit: its first run is killed at the limit, its fallback takes 12 s.
            var shorter = request
            shorter.timeLimitSeconds = 20
            let second = try client.createdID(try await client.requestProof(shorter, signedBy: live.user), what: "request")
            _ = try await prove(live, second, attempt: 1) { number in
                SubmitResult(task: second, attempt: number, exitCode: 143, timedOut: true, outputs: [], usage: MeasuredUsage(wallMilliseconds: 20_500))
            }
            _ = try await prove(live, second, attempt: 2) { number in
                SubmitResult(task: second, attempt: number, exitCode: 0, outputs: [OutputRef(path: "proof.bin", digest: SHA256Hex.of("proof"), size: 5)],
                             usage: MeasuredUsage(wallMilliseconds: 12_000, cpuMilliseconds: 12_000, peakMemoryBytes: 512 * Units.mib))
            }
            try await vote(live, second, attempt: 2, .valid)
            let statistics = try await client.programStatistics(program)
            #expect(statistics.tasksConsidered == 2 && statistics.runs == 4 && statistics.runsSucceeded == 2)
            #expect(statistics.failuresByReason == ["out of memory": 1, "time limit": 1])
            #expect(statistics.wallMilliseconds == UsageSummary(median: 10_000, p90: 12_000, max: 12_000))
            let suggestion = try #require(statistics.suggestion)
            // 1.5 × 12 s is 20 s, but a run was killed at 20 s: at least twice that.
            #expect(suggestion.timeLimitSeconds == 40)
            #expect(suggestion.resources == Resources(cpuMillicores: 2_000, memoryBytes: 4 * Units.gib))
            #expect(suggestion.basis.contains("killed at their time limit, so at least twice 20s"), "\(suggestion.basis)")
            let oneTask = try await client.programStatistics(program, limit: 1)
            #expect(oneTask.tasksConsidered == 1 && oneTask.failuresByReason == ["time limit": 1])

            let logs = try await client.runLogs(of: try await client.task(task))
            #expect(logs.map(\.exitReason) == ["OOM-killed at 2GiB (exit code 137)", "exited 0"])
            #expect(logs[0].stderr == "Killed: out of memory\n" && logs[0].stdout == nil)
            #expect(logs[1].stdout == "proved\n" && logs[1].usage?.wallMilliseconds == 10_000)
            let verifierRuns = try await client.runLogs(of: try await client.task(task), attempt: 2, role: .verifier)
            // Every verifier revealed, with the transcript of its run: its exit code and the proof files it checked.
            #expect(verifierRuns.filter { $0.vote == .valid }.count == 3)
            #expect(verifierRuns.allSatisfy { $0.exitCode == 0 && $0.exitReason == "exited 0" })
            let missing = await #expect(throws: ClientError.self) { try await client.runLogs(of: try await client.task(task), attempt: 3) }
            #expect(missing?.code == .badOption)

            // Bad queries are refused with a 4xx that says what to do; nothing changes.
            for (path, status, code) in [
                ("/v1/programs/\(program)/stats?limit=0", 400, "bad_request"), ("/v1/programs/\(program)/stats?limit=1001", 400, "bad_request"),
                ("/v1/programs/\(program)/stats?limit=ten", 400, "bad_request"), ("/v1/programs/not-a-digest/stats", 400, "bad_id"),
                ("/v1/programs/\(SHA256Hex.of("none"))/stats", 404, "not_found"),
            ] {
                let answer = try await live.raw("GET", path, contentType: nil)
                #expect(answer.status == status && LiveNode.errorCode(answer.body) == code, "\(path): \(answer.body)")
            }
        }
    }

    @Test("verify-only requests through the typed call: a valid and an invalid verdict, the majority paid for both")
    func verifyOnly() async throws {
        try await LiveNode.with { live in
            let client = live.client
            let program = try client.createdID(try await client.send(.deployProgram(Fixtures.program("verify")), signedBy: live.user), what: "deploy")
            let proof = [InputRef(path: "proof.bin", digest: SHA256Hex.of("proof"), size: 5)]
            for verdict in [Verdict.valid, .invalid] {
                let body = RequestVerification(program: program, inputs: [Fixtures.input("input.json")], proof: proof, verifiers: 3)
                let task = try client.createdID(try await client.requestVerification(body, signedBy: live.user), what: "verify-only request")
                #expect(VerificationVerdict(try await client.task(task)) == .pending)
                try await vote(live, task, attempt: 1, verdict)
                let record = try await client.task(task)
                #expect(VerificationVerdict(record) == (verdict == .valid ? .valid : .invalid))
                #expect(record.kind == .verification && record.attempts.first?.worker == nil)
                #expect(record.paid > 0 && record.paid < record.feePerSlot)
            }
        }
    }

    @Test("cancel refunds in full before the run; the history shows every movement, sums to the balance change, and pages without gaps")
    func cancelAndHistory() async throws {
        try await LiveNode.with { live in
            let client = live.client
            let start = try await client.account(live.user.address).account.balance
            let program = try client.createdID(try await client.send(.deployProgram(Fixtures.program("history")), signedBy: live.user), what: "deploy")
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)
            let task = try client.createdID(try await client.requestProof(request, signedBy: live.user), what: "request")
            let receipt = try await client.cancelTask(task, signedBy: live.user)
            let record = try await client.task(task)
            #expect(record.state == .cancelled)
            #expect(receipt.refunded == record.feePerSlot && receipt.paidToProvers == 0 && receipt.fee > 0)
            let again = await #expect(throws: ClientError.self) { try await client.cancelTask(task, signedBy: live.user) }
            #expect(again?.code == .alreadyFinished)
            let friend = AccountKey(deterministicFrom: "history-friend")
            _ = try await client.send(.transfer(Transfer(to: friend.address, amount: 2 * MicroCredit.perCredit)), signedBy: live.user)
            _ = try await client.retireProgram(program, signedBy: live.user)

            let history = try await client.accountHistory(live.user.address, limit: 200)
            #expect(history.next == nil)
            let kinds = history.entries.map(\.kind)
            // Newest first; within a transaction its events, then the fee it paid before they happened.
            #expect(kinds == [.depositReturned, .transactionFee, .transferredOut, .transactionFee, .refunded, .transactionFee,
                              .escrowed, .transactionFee, .depositHeld, .transactionFee], "\(kinds)")
            let now = try await client.account(live.user.address).account.balance
            #expect(history.entries.reduce(0) { $0 + $1.balanceChange } == now - start)
            #expect(history.entries.first { $0.kind == .refunded }?.task == task)
            #expect(history.entries.filter { $0.kind == .transactionFee }.allSatisfy { $0.transaction != nil && $0.detail != nil })

            // Pages of two, each from the previous page's cursor, are the whole history in order.
            var pages: [AccountHistoryEntry] = []
            var before: String?
            repeat {
                let page = try await client.accountHistory(live.user.address, limit: 2, before: before)
                #expect(page.entries.count <= 2)
                pages += page.entries
                before = page.next
            } while before != nil
            #expect(pages == history.entries)

            let received = try await client.accountHistory(friend.address)
            #expect(received.entries.map(\.kind) == [.transferredIn])
            #expect(received.entries.first?.balanceChange == 2 * MicroCredit.perCredit)

            for (path, status, code) in [
                ("/v1/accounts/\(live.user.address)/history?limit=0", 400, "bad_request"),
                ("/v1/accounts/\(live.user.address)/history?limit=201", 400, "bad_request"),
                ("/v1/accounts/\(live.user.address)/history?before=yesterday", 400, "bad_request"),
                ("/v1/accounts/\(live.user.address)/history?before=1:99999999999999999999", 400, "bad_request"),
                ("/v1/accounts/XYZ/history", 400, "bad_id"),
            ] {
                let answer = try await live.raw("GET", path, contentType: nil)
                #expect(answer.status == status && LiveNode.errorCode(answer.body) == code, "\(path): \(answer.body)")
            }
        }
    }
}
