import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// The user journey on the real devnet binary with real runc workers, through the real CLI.
@Suite("End to end on the devnet", .tags(.endToEnd), .serialized)
struct DevnetEndToEndTests {
    @Test("EZKL proof verified by 3 verifiers and paid; a lying prover is rejected and slashed; a failing program is blocked; redundancy 2")
    func journey() async throws {
        try await DevnetProcess.buildExample("hashchain")
        try await DevnetProcess.buildExample("ezkl")
        let devnet = try await DevnetProcess.start()
        do {
            try await scenarios(devnet)
        } catch {
            await devnet.stop()
            throw error
        }
        await devnet.stop()
    }

    func scenarios(_ devnet: DevnetProcess) async throws {
        let client = try devnet.client()
        try await ezklProof(devnet, client)
        try await lyingProver(devnet, client)
        try await failingProgram(devnet, client)
        try await redundancy(devnet, client)
        let stats = try await client.stats()
        #expect(stats.tasksVerified >= 3)
        #expect(stats.tasksFailed >= 3)
    }

    func ezklProof(_ devnet: DevnetProcess, _ client: ProvaClient) async throws {
        let program = try await devnet.deploy(example: "ezkl", name: "ezkl-mlp")
        let input = DevnetProcess.repository.appendingPathComponent("examples/ezkl/input.json").path
        let task = try await devnet.json(TaskRecord.self, ["proof", "request", "--program", program, "--input", input, "--key", "dev", "--wait"])
        #expect(task.state == .verified)
        let attempt = try #require(task.verifiedAttempt.map { task.attempts[$0 - 1] })
        #expect(attempt.verifiersNeeded == 3)
        #expect(attempt.verifiers.filter { $0.vote == .valid }.count >= 2)
        #expect(!attempt.verifiers.contains { $0.worker == attempt.worker })
        #expect(try task.feePerSlot == Pricing.fee(Resources(cpuMillicores: 2_000, memoryBytes: 2 * Units.gib), seconds: 300, prices: .genesis))
        let prover = try #require(attempt.worker)
        #expect(try await client.worker(prover).earned >= Pricing.share(task.feePerSlot, basisPoints: 8_500))

        // The proof fetched by the CLI verifies with the ezkl Python package outside the network.
        let out = devnet.home.appendingPathComponent("proof")
        let fetched = try await devnet.cli(["proof", "get", task.id, "--out", out.path, "--verified"])
        #expect(fetched.status == 0, "\(fetched.output)")
        let verify = Process()
        verify.executableURL = DevnetProcess.repository.appendingPathComponent("examples/ezkl/build/venv/bin/python")
        verify.arguments = [DevnetProcess.repository.appendingPathComponent("examples/ezkl/verify_outside.py").path,
                            out.appendingPathComponent("proof.json").path, input]
        try verify.run()
        let status = try await offloaded { [verify] in
            verify.waitUntilExit()
            return verify.terminationStatus
        }
        #expect(status == 0)
    }

    func lyingProver(_ devnet: DevnetProcess, _ client: ProvaClient) async throws {
        let program = try await devnet.deploy(example: "hashchain", prover: "liar", name: "hashchain-liar")
        let input = DevnetProcess.repository.appendingPathComponent("examples/hashchain/input/message.txt").path
        // Two verifiers: the devnet's four workers are the liar, its two verifiers and the fallback prover (a task's verifiers
        // never prove it).
        let task = try await devnet.json(TaskRecord.self, ["proof", "request", "--program", program, "--input", input, "--verifiers", "2",
                                                     "--key", "dev", "--wait"])
        #expect(task.state == .verified)
        #expect(task.attempts.first?.state == .rejected)
        let verifiers = Set(task.attempts.first?.verifiers.map(\.worker) ?? [])
        #expect(task.attempts.last.map { !verifiers.contains($0.worker ?? "") } == true)
        #expect(task.attempts.last?.state == .verified)
        let liar = try #require(task.attempts.first?.worker)
        #expect(try await client.worker(liar).slashed >= Pricing.share(task.feePerSlot, basisPoints: 5_000))
        #expect(task.refunded == Pricing.share(task.feePerSlot, basisPoints: 5_000))
    }

    func failingProgram(_ devnet: DevnetProcess, _ client: ProvaClient) async throws {
        let program = try await devnet.deploy(example: "hashchain", prover: "failing", name: "hashchain-failing")
        let input = DevnetProcess.repository.appendingPathComponent("examples/hashchain/input/message.txt").path
        let limit = try await client.status().parameters.programStrikeLimit
        for _ in 0..<limit {
            let result = try await devnet.cli(["proof", "request", "--program", program, "--input", input, "--key", "dev", "--wait", "--json"])
            #expect(result.status != 0)
        }
        let record = try await client.program(program)
        #expect(record.blocked)
        let failed = try await client.tasks(state: .failed, program: program)
        #expect(failed.count == limit)
        #expect(failed.allSatisfy { $0.burned == $0.feePerSlot && $0.failure?.contains("exit code 3") == true })
        let refused = try await devnet.cli(["proof", "request", "--program", program, "--input", input, "--key", "dev"])
        #expect(refused.status != 0)
        #expect(refused.output.contains("blocked"))
    }

    func redundancy(_ devnet: DevnetProcess, _ client: ProvaClient) async throws {
        let programs = try await client.programs()
        let honest = try #require(programs.first { $0.deploy.name == "hashchain-liar" }?.id)
        let input = DevnetProcess.repository.appendingPathComponent("examples/hashchain/input/message.txt").path
        // Two provers leave two workers to verify; one verifier keeps the request within what a four-worker devnet can
        // always draw.
        let task = try await devnet.json(TaskRecord.self, ["proof", "request", "--program", honest, "--input", input, "--redundancy", "2",
                                                     "--verifiers", "1", "--key", "dev", "--wait"])
        #expect(task.state == .verified)
        #expect(Set(task.attempts.prefix(2).compactMap(\.worker)).count == 2)
    }
}
