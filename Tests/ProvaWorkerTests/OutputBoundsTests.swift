import Foundation
import ProvaClient
import ProvaCore
import ProvaSandbox
import ProvaTesting
import Testing

@testable import ProvaWorker

/// A program that leaves more than a result can list: the program's failure, in words, and nobody struck.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OutputBoundsTests {
    @Test("too many outputs: each attempt fails with the reason, the task fails, no worker is struck or slashed", .tags(.endToEnd))
    func tooManyOutputs() async throws {
        // One more file than the default bound, each with a long name: listed in full they would pass the 64 KiB limit.
        let count = RunLimits.defaultMaxOutputFiles + 1
        let flood = ScriptedProgram { run in
            guard run.role == .prove else { return try await TestImages.scripted(run) }
            var outputs: [String: Data] = [:]
            for index in 0..<count { outputs["part-\(index)-" + String(repeating: "x", count: 100)] = Data("\(index)".utf8) }
            return ScriptedOutcome(outputs: outputs)
        }
        try await WorkerNetwork.with(workers: 3) { network in
            let workers = try network.genesisWorkers.map { try network.start($0, program: flood) }
            let data = try await network.input("data.txt", "many\n")
            let id = try await network.request(inputs: [data], verifiers: 1)
            let task = try await network.waitForTask(id, "every attempt to fail") { $0.state.isTerminal }

            #expect(task.state == .failed)
            #expect(task.attempts.count == WorkerNetwork.parameters.maxAttempts)
            for attempt in task.attempts {
                #expect(attempt.state == .failed)
                let result = try #require(attempt.result)
                #expect(result.outputs.isEmpty)
                #expect(result.exitCode == ReportedExitCode.outputBoundBroken)
                #expect(attempt.failure?.contains("\(count) outputs; the limit is \(RunLimits.defaultMaxOutputFiles)") == true,
                        "failure: \(attempt.failure ?? "none")")
            }
            // Every attempt failed the same way: the program is at fault, not the workers (DESIGN §5).
            for worker in network.genesisWorkers {
                let record = try await network.client.worker(worker.address)
                #expect(record.strikes == 0)
                #expect(record.slashed == 0)
            }
            for worker in workers { await worker.kill() }
        }
    }

    @Test("the default output bounds keep the worst result inside the chain's limit; bounds that would not are refused", .tags(.unit))
    func boundsFitTheResultLimit() throws {
        #expect(ResultSize.worstCase(maxFiles: RunLimits.defaultMaxOutputFiles, maxPathBytes: RunLimits.defaultMaxOutputPathBytes) <= ResultSize.limit)
        var configuration = WorkerConfiguration(node: "http://127.0.0.1:1", capacity: Resources(cpuMillicores: 1000, memoryBytes: Units.gib),
                                                dataDirectory: FileManager.default.temporaryDirectory, seccompProfile: nil)
        try configuration.validateOutputBounds()
        configuration.maxOutputFiles = Limits.maxOutputs
        configuration.maxOutputPathBytes = Limits.maxPathLength
        #expect(throws: WorkerError.self) { try configuration.validateOutputBounds() }
    }

    @Test("a bound broken: the reason is the result's message, the result is small, the logs are kept", .tags(.unit))
    func violationDescriptions() {
        #expect(OutputViolation.tooManyFiles(count: 412_003, limit: 1_000).description == "412,003 outputs; the limit is 1,000")
        #expect(OutputViolation.full(limitBytes: Units.gib).description.contains("1GiB"))
    }
}
