import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// Every mechanism a user reaches only through the CLI, on the real devnet binary with real runc workers: verify-only
/// requests, cancellation, a failed run's logs, prover sets, program statistics and retirement, an account's history.
@Suite("Every mechanism from the command line", .tags(.endToEnd), .serialized)
struct MechanismsEndToEndTests {
    /// `prova proof verify --json`.
    struct VerificationReport: Decodable {
        var verdict: String
        var votes: [VerifierDuty]
        var task: TaskRecord
    }

    /// `prova program show --json`.
    struct ProgramView: Decodable {
        var program: Program
        var statistics: ProgramStatistics
    }

    /// `prova prover-set show --json`.
    struct ProverSetView: Decodable {
        var set: ProverSet
        var eligible: [Address]
    }

    @Test("verify-only of a good and a tampered proof; a cancel and its refund; a failing run's stderr; a prover set; statistics; history")
    func mechanisms() async throws {
        try await DevnetProcess.buildExample("hashchain")
        let devnet = try await DevnetProcess.start()
        do {
            try await scenarios(devnet)
        } catch {
            await devnet.stop()
            throw error
        }
        await devnet.stop()
    }

    static let input = DevnetProcess.repository.appendingPathComponent("examples/hashchain/input/message.txt").path

    func scenarios(_ devnet: DevnetProcess) async throws {
        let client = try devnet.client()
        let program = try await devnet.deploy(example: "hashchain", name: "hashchain")
        let proved = try await devnet.json(TaskRecord.self, ["proof", "request", "--program", program, "--input", Self.input, "--key", "dev", "--wait"])
        #expect(proved.state == .verified)
        let prover = try #require(proved.verifiedAttempt.flatMap { number in proved.attempts.first { $0.number == number } }?.worker)

        try await verifyOnly(devnet, program: program, proved: proved)
        // The prover of the first proof, now also a requester: it paid, is refunded by a cancel, and was rewarded.
        let workerKey = try importWorkerKey(devnet, address: prover, as: "prover1")
        _ = try await devnet.cli(["account", "faucet", "prover1", "--amount", "20"])
        try await cancel(devnet, client, program: program, key: "prover1")
        try await failingLogs(devnet, client)
        try await proverSet(devnet, client, program: program, first: prover)
        try await statistics(devnet, program: program)
        try await history(devnet, address: workerKey.address)
    }

    func verifyOnly(_ devnet: DevnetProcess, program: ProgramID, proved: TaskRecord) async throws {
        let good = devnet.home.appendingPathComponent("proof-good")
        let fetched = try await devnet.cli(["proof", "get", proved.id, "--out", good.path, "--verified"])
        #expect(fetched.status == 0, "\(fetched.output)")
        let valid = try await devnet.json(VerificationReport.self, ["proof", "verify", "--program", program, "--proof", good.path,
                                                                   "--input", Self.input, "--verifiers", "3", "--key", "dev", "--wait"])
        #expect(valid.verdict == "valid")
        #expect(valid.task.kind == .verification)
        #expect(valid.votes.filter { $0.vote == .valid }.count >= 2)

        // The same proof with its result line changed: the verifiers vote it invalid, and the command says so and fails.
        let tampered = devnet.home.appendingPathComponent("proof-tampered")
        try FileManager.default.createDirectory(at: tampered, withIntermediateDirectories: true)
        let text = try String(contentsOf: good.appendingPathComponent("proof.txt"), encoding: .utf8)
        let forged = text.split(separator: "\n").map { $0.hasPrefix("result ") ? "result " + String(repeating: "0", count: 64) : String($0) }
        try (forged.joined(separator: "\n") + "\n").write(to: tampered.appendingPathComponent("proof.txt"), atomically: true, encoding: .utf8)
        let refused = try await devnet.cliSplit(["proof", "verify", "--program", program, "--proof", tampered.path, "--input", Self.input,
                                                 "--key", "dev", "--wait", "--json"])
        #expect(refused.status != 0)
        let invalid = try JSONDecoder().decode(VerificationReport.self, from: Data(refused.stdout.utf8))
        #expect(invalid.verdict == "invalid")
        #expect(invalid.votes.filter { $0.vote == .invalid }.count >= 2)

        // Text mode prints the votes and the verdict.
        let printed = try await devnet.cliSplit(["proof", "verify", "--program", program, "--proof", good.appendingPathComponent("proof.txt").path,
                                                 "--input", Self.input, "--verifiers", "1", "--key", "dev", "--wait"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("verdict:") && printed.stdout.contains("valid ✔"), "\(printed.stdout)")
        #expect(printed.stdout.contains("votes (1 of 1 needed, 1 requested)"), "\(printed.stdout)")
    }

    func cancel(_ devnet: DevnetProcess, _ client: ProvaClient, program: ProgramID, key: String) async throws {
        // Long enough to be cancelled while it runs.
        let requested = try await devnet.json(TransactionStatus.self, ["proof", "request", "--program", program, "--input", Self.input,
                                                                     "--env", "HASHCHAIN_ROUNDS=6000", "--time", "60s", "--key", key])
        let task = try #require(requested.outcome?.created)
        _ = try await client.waitForTask(task, until: { $0.state == .running }, timeout: .seconds(120))
        let cancelled = try await devnet.cliSplit(["task", "cancel", task, "--key", key])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("cancelled task \(task)") && cancelled.stdout.contains("refunded:"), "\(cancelled.stdout)")
        let record = try await client.task(task)
        #expect(record.state == .cancelled)
        #expect(record.refunded > 0)
        #expect(record.refunded + record.paid <= record.feePerSlot)
        // Cancelling again is refused with a message, and changes nothing.
        let again = try await devnet.cliSplit(["task", "cancel", task, "--key", key])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already cancelled"), "\(again.stderr)")
        #expect(try await client.task(task).refunded == record.refunded)
    }

    func failingLogs(_ devnet: DevnetProcess, _ client: ProvaClient) async throws {
        let failing = try await devnet.deploy(example: "hashchain", prover: "failing", name: "hashchain-failing")
        let requested = try await devnet.cliSplit(["proof", "request", "--program", failing, "--input", Self.input, "--key", "dev", "--wait", "--json"])
        #expect(requested.status != 0)
        let task = try JSONDecoder().decode(TaskRecord.self, from: Data(requested.stdout.utf8))
        #expect(task.state == .failed)

        let logs = try await devnet.json([RunLog].self, ["task", "logs", task.id])
        #expect(logs.count == task.attempts.count)
        #expect(logs.allSatisfy { $0.exitReason == "exit code 3" && $0.stderr?.contains("failing: this prover always fails (exit 3)") == true })
        #expect(logs.allSatisfy { $0.usage != nil && $0.stdout == nil })

        let text = try await devnet.cliSplit(["task", "logs", task.id, "--attempt", "1"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("exit:") && text.stdout.contains("exit code 3"), "\(text.stdout)")
        #expect(text.stdout.contains("failing: this prover always fails (exit 3)"), "\(text.stdout)")
        #expect(text.stdout.contains("--- stdout: empty ---"), "\(text.stdout)")
        let verifiers = try await devnet.json([RunLog].self, ["task", "logs", task.id, "--role", "verifier"])
        #expect(verifiers.isEmpty)

        // `task watch --logs` of the ended task prints the runs and fails as the task did.
        let watched = try await devnet.cliSplit(["task", "watch", task.id, "--logs"])
        #expect(watched.status != 0)
        #expect(watched.stdout.contains("failing: this prover always fails (exit 3)"), "\(watched.stdout)")

        let missing = try await devnet.cliSplit(["task", "logs", task.id, "--attempt", "9"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("has no attempt 9"), "\(missing.stderr)")

        // The failing program's statistics count its failures by reason; its owner retires it and gets the deposit back.
        let view = try await devnet.json(ProgramView.self, ["program", "show", failing])
        #expect(view.statistics.failuresByReason["exit code 3"] == task.attempts.count)
        #expect(view.statistics.suggestion == nil)
        let retired = try await devnet.cliSplit(["program", "retire", failing, "--key", "dev"])
        #expect(retired.status == 0, "\(retired.stderr)")
        #expect(retired.stdout.contains("deposit returned:"), "\(retired.stdout)")
        #expect(try await client.program(failing).retired)
        let refused = try await devnet.cliSplit(["proof", "request", "--program", failing, "--input", Self.input, "--key", "dev"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("retired"), "\(refused.stderr)")
    }

    func proverSet(_ devnet: DevnetProcess, _ client: ProvaClient, program: ProgramID, first: Address) async throws {
        let active = try await client.workers(status: .active).map(\.address)
        let second = try #require(active.first { $0 != first })
        let members = [first, second]
        let created = try await devnet.cliSplit(["prover-set", "create", "pair", "--members", members.joined(separator: ","), "--key", "dev"])
        #expect(created.status == 0, "\(created.stderr)")
        // A set nobody joined yet: a request naming it is warned that nobody can be drawn.
        let empty = try await devnet.json(ProverSetView.self, ["prover-set", "show", "pair"])
        #expect(empty.eligible.isEmpty)
        for member in members {
            let file = try workerKeyFile(devnet, address: member)
            _ = try await devnet.cli(["account", "faucet", member, "--amount", "5"])
            let joined = try await devnet.cliSplit(["prover-set", "join", "pair", "--key-file", file.path])
            #expect(joined.status == 0, "\(joined.stderr)")
        }
        let outsider = try #require(active.first { !members.contains($0) })
        _ = try await devnet.cli(["account", "faucet", outsider, "--amount", "5"])
        let refused = try await devnet.cliSplit(["prover-set", "join", "pair", "--key-file", try workerKeyFile(devnet, address: outsider).path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not listed"), "\(refused.stderr)")

        let view = try await devnet.json(ProverSetView.self, ["prover-set", "show", "pair"])
        #expect(Set(view.eligible) == Set(members))
        let listed = try await devnet.cliSplit(["prover-set", "list"])
        #expect(listed.stdout.contains("pair"), "\(listed.stdout)")

        // Three verifiers asked, but two workers in the set: the CLI warns, the ledger lowers the votes to one, and the task
        // ends accepted-unverified — never `verified` on fewer votes than asked — which the CLI says.
        let requested = try await devnet.cliSplit(["proof", "request", "--program", program, "--input", Self.input, "--prover-set", "pair",
                                                   "--key", "dev", "--wait", "--json"])
        #expect(requested.status == 0, "\(requested.stderr)")
        #expect(requested.stderr.contains("prover set 'pair': 2 eligible worker(s)"), "\(requested.stderr)")
        #expect(requested.stderr.contains("warning:") && requested.stderr.contains("need 4"), "\(requested.stderr)")
        let task = try JSONDecoder().decode(TaskRecord.self, from: Data(requested.stdout.utf8))
        #expect(task.state == .acceptedUnverified)
        #expect(requested.stderr.contains("is accepted-unverified: 1 of 3 requested verifiers voted"), "\(requested.stderr)")
        #expect(task.proverSet == "pair")
        for attempt in task.attempts {
            #expect(attempt.worker.map(members.contains) == true)
            #expect(attempt.verifiers.allSatisfy { members.contains($0.worker) })
        }
        let verified = try #require(task.verifiedAttempt.flatMap { number in task.attempts.first { $0.number == number } })
        #expect(verified.verifiersNeeded == 1)
        #expect(verified.verifiers.count == 1)
    }

    func statistics(_ devnet: DevnetProcess, program: ProgramID) async throws {
        let view = try await devnet.json(ProgramView.self, ["program", "show", program])
        #expect(view.statistics.runsSucceeded >= 2)
        let suggestion = try #require(view.statistics.suggestion)
        let wall = try #require(view.statistics.wallMilliseconds)
        #expect(suggestion.timeLimitSeconds * 1_000 >= wall.max)
        #expect(suggestion.resources.memoryBytes >= view.statistics.peakMemoryBytes?.max ?? 0)
        let text = try await devnet.cliSplit(["program", "show", program])
        #expect(text.stdout.contains("run time:") && text.stdout.contains("suggested request:"), "\(text.stdout)")
        let quote = try await devnet.json(Quote.self, ["quote", "--program", program])
        #expect(quote.timeLimitSeconds == suggestion.timeLimitSeconds)
        #expect(quote.resources == suggestion.resources)
    }

    func history(_ devnet: DevnetProcess, address: Address) async throws {
        let history = try await devnet.json(AccountHistory.self, ["account", "history", "--key", "prover1", "--limit", "200"])
        #expect(history.address == address)
        let kinds = Set(history.entries.map(\.kind))
        #expect(kinds.isSuperset(of: [.transactionFee, .escrowed, .refunded, .paid, .minted]), "\(kinds)")
        let refund = try #require(history.entries.first { $0.kind == .refunded })
        #expect(refund.task != nil && refund.balanceChange > 0)
        let fee = try #require(history.entries.first { $0.kind == .transactionFee })
        #expect(fee.transaction != nil && fee.balanceChange < 0)
        #expect(history.entries.first { $0.kind == .paid }?.task != nil)
        let text = try await devnet.cliSplit(["account", "history", "--key", "prover1"])
        for word in ["transaction fee", "fee escrowed", "refund", "reward"] {
            #expect(text.stdout.contains(word), "\(word) in \(text.stdout)")
        }
        // A page of one, then the next page from its cursor: no entry twice, none lost.
        let first = try await devnet.json(AccountHistory.self, ["account", "history", address, "--limit", "1"])
        let next = try #require(first.next)
        let rest = try await devnet.json(AccountHistory.self, ["account", "history", address, "--limit", "200", "--before", next])
        #expect(first.entries + rest.entries == history.entries.prefix(first.entries.count + rest.entries.count).map { $0 })
    }

    /// The devnet keeps each worker's key in its data directory.
    func workerKeyFile(_ devnet: DevnetProcess, address: Address) throws -> URL {
        let workers = devnet.home.appendingPathComponent("devnet/workers")
        for name in try FileManager.default.contentsOfDirectory(atPath: workers.path) {
            let file = workers.appendingPathComponent(name).appendingPathComponent("worker.key")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            if try JSONDecoder().decode(StoredKey.self, from: data).address == address { return file }
        }
        throw Failure("no devnet worker key for \(address)")
    }

    /// Puts a devnet worker's key in the CLI's key store under `name`.
    func importWorkerKey(_ devnet: DevnetProcess, address: Address, as name: String) throws -> StoredKey {
        let file = try workerKeyFile(devnet, address: address)
        let stored = try JSONDecoder().decode(StoredKey.self, from: try Data(contentsOf: file))
        return try KeyStore.standard(environment: ["PROVA_HOME": devnet.home.path]).importKey(name, seedHex: stored.seed)
    }
}
