import Foundation
import ProvaCore
import ProvaSandbox
import ProvaTesting
import ProvaWorker
import Testing

/// The scripted runtime the daemon tests run on: it must look like runc from the worker's side.
@Suite(.tags(.unit))
struct ScriptedRuntimeTests {
    /// A fresh run: empty rootfs (a scripted run never looks inside), inputs written, output and bundle directories unused.
    struct Run {
        let base: URL
        let spec: RunSpec

        init(inputs: [String: String] = [:], proof: [String: String]? = nil, environment: [String] = [], timeLimitSeconds: Int64 = 30,
             logBytesLimit: Int64 = 4096, outputBytesLimit: Int64 = Units.mib, rootfs: URL? = nil,
             command: [String] = ["/bin/sh", "/usr/local/bin/prove"]) throws {
            let base = try Scratch.directory("scripted")
            self.base = base
            func directory(_ name: String, files: [String: String]) throws -> URL {
                let url = base.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                for (path, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(path)) }
                return url
            }
            spec = RunSpec(
                rootfs: try rootfs ?? directory("rootfs", files: [:]), command: command, environment: environment,
                inputDirectory: try directory("input", files: inputs), outputDirectory: base.appendingPathComponent("output"),
                proofDirectory: try proof.map { try directory("proof", files: $0) },
                limits: RunLimits(cpuMillicores: 500, memoryBytes: 64 * Units.mib, pids: 64, timeLimitSeconds: timeLimitSeconds,
                                  outputBytesLimit: outputBytesLimit, tmpBytesLimit: Units.mib, logBytesLimit: logBytesLimit),
                workingDirectory: try directory("bundle", files: [:]))
        }

        var leftInBundle: [String] { (try? FileManager.default.contentsOfDirectory(atPath: spec.workingDirectory.path)) ?? ["?"] }
    }

    @Test func theHashPairProvesAndChecksAndOutputsAreCollectedLikeRunc() async throws {
        let data = "hello prova\n"
        let prove = try Run(inputs: ["data.txt": data], environment: ["PROVA_ROLE=prove", "PROVA_ATTEMPT=1", "PROVA_CPU_MILLICORES=500"])
        let proved = try await ScriptedRuntime(HashProof.program).run(prove.spec)
        #expect(proved.exitCode == 0 && !proved.timedOut && !proved.oomKilled)
        let expected = HashProof.proof(of: Data(data.utf8))
        #expect(proved.outputs == [OutputFile(path: "proof.txt", size: Int64(expected.utf8.count), sha256: SHA256Hex.of(expected))])
        #expect(try String(contentsOf: prove.spec.outputDirectory.appendingPathComponent("proof.txt"), encoding: .utf8) == expected)
        #expect(String(decoding: proved.stdout, as: UTF8.self) == "proved on 500 millicores\n")
        #expect(proved.stdoutSHA256 == SHA256Hex.of(proved.stdout))
        #expect(proved.wallMilliseconds > 0)
        #expect(prove.leftInBundle.isEmpty)

        let honest = try Run(inputs: ["data.txt": data], proof: ["proof.txt": expected], environment: ["PROVA_ROLE=verify"])
        #expect(try await ScriptedRuntime(HashProof.program).run(honest.spec).exitCode == 0)
        let forged = try Run(inputs: ["data.txt": data], proof: ["proof.txt": "proof-v1\n" + SHA256Hex.of("other") + "\n"],
                             environment: ["PROVA_ROLE=verify"])
        #expect(try await ScriptedRuntime(HashProof.program).run(forged.spec).exitCode == 1)
        let missing = try Run(inputs: ["data.txt": data], proof: [:], environment: ["PROVA_ROLE=verify"])
        #expect(try await ScriptedRuntime(HashProof.program).run(missing.spec).exitCode == 1)
    }

    @Test func specsAreCheckedByTheSandboxRules() async throws {
        let run = try Run()
        try FileManager.default.createDirectory(at: run.spec.outputDirectory, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: run.spec.outputDirectory.appendingPathComponent("left-over"))
        let notEmpty = await #expect(throws: SandboxError.self) { try await ScriptedRuntime(HashProof.program).run(run.spec) }
        #expect(notEmpty?.code == .outputDirectoryNotEmpty)
        var duplicated = try Run().spec
        duplicated.environment = ["A=1", "A=2"]
        let duplicate = await #expect(throws: SandboxError.self) { try await ScriptedRuntime(HashProof.program).run(duplicated) }
        #expect(duplicate?.code == .duplicateEnvironment)
    }

    @Test func failuresOOMAndLogLimitsAreReportedAsRuncReportsThem() async throws {
        let failed = try await ScriptedRuntime(.failing(exitCode: 3, stderr: "bad witness\n")).run(try Run().spec)
        #expect(failed.exitCode == 3 && String(decoding: failed.stderr, as: UTF8.self) == "bad witness\n")

        let oom = try Run()
        let killed = try await ScriptedRuntime(.outOfMemory).run(oom.spec)
        #expect(killed.exitCode == 137 && killed.oomKilled && killed.peakMemoryBytes == oom.spec.limits.memoryBytes)

        let chatty = String(repeating: "x", count: 100)
        let logged = try await ScriptedRuntime { _ in ScriptedOutcome(stdout: chatty) }.run(try Run(logBytesLimit: 10).spec)
        #expect(logged.stdout == Data(chatty.utf8.prefix(10)) && logged.stdoutTruncated && logged.stdoutSHA256 == SHA256Hex.of(chatty))

        let big = try await ScriptedRuntime { _ in ScriptedOutcome(outputs: ["a.bin": Data(count: 64)]) }.run(try Run(outputBytesLimit: 16).spec)
        #expect(big.outputLimitExceeded && big.outputs.map(\.size) == [16])
    }

    @Test func aProgramPastItsTimeLimitIsStoppedThereAndLeavesNoOutputs() async throws {
        let slow = ScriptedProgram.slow(.seconds(3600), then: ScriptedProgram { _ in ScriptedOutcome(outputs: ["proof.txt": Data("late".utf8)]) })
        let run = try Run(timeLimitSeconds: 1)
        let result = try await ScriptedRuntime(slow).run(run.spec)
        #expect(result.timedOut && result.exitCode == 143 && result.outputs.isEmpty)
        #expect(run.leftInBundle.isEmpty)
    }

    @Test func aCancelledRunEndsLikeAKilledContainer() async throws {
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let program = ScriptedProgram { _ in
            didStart.yield()
            return ScriptedOutcome(delay: .seconds(3600))
        }
        let run = try Run()
        let running = Task { try await ScriptedRuntime(program).run(run.spec) }
        for await _ in started { break }
        running.cancel()
        switch await running.result {
        case .success: Issue.record("a cancelled run returned a result")
        case .failure(let error): #expect((error as? SandboxError)?.code == .cancelled)
        }
        #expect(run.leftInBundle.isEmpty)
    }
}

/// The two writings of the hash pair agree: the shell scripts in a runc container and the scripted programs leave the
/// same files and print the same, so a daemon test may expect the same bytes at either fidelity.
@Suite(.tags(.integration))
struct ScriptedParityTests {
    @Test(.requiresContainers)
    func theScriptedHashPairBehavesLikeItsShellScriptsInRunc() async throws {
        let images = try TestImages.built.get()
        let base = try Scratch.directory("parity")
        let store = ImageStore(root: base.appendingPathComponent("images"), diskBudgetBytes: Units.gib)
        let rootfs = try await store.rootfs(forArchive: images.program.archive, expectedDigest: images.program.digest)
        let runc = RuncRuntime(stateRoot: base.appendingPathComponent("runc"), seccompProfile: try SeccompProfile.containersDefault())
        let runtimes: [any Runtime] = [runc, ScriptedRuntime(HashProof.program)]
        let data = "parity\n"
        let environment = ["PROVA_ROLE=prove", "PROVA_ATTEMPT=1", "PROVA_CPU_MILLICORES=500"]
        var results: [RunResult] = []
        for runtime in runtimes {
            let prove = try ScriptedRuntimeTests.Run(inputs: ["data.txt": data], environment: environment, rootfs: rootfs)
            let proved = try await runtime.run(prove.spec)
            results.append(proved)
            let proof = try String(contentsOf: prove.spec.outputDirectory.appendingPathComponent("proof.txt"), encoding: .utf8)
            for (text, verdict) in [(proof, Int32(0)), ("proof-v1\nnot-the-hash\n", 1)] {
                let verify = try ScriptedRuntimeTests.Run(inputs: ["data.txt": data], proof: ["proof.txt": text], environment: ["PROVA_ROLE=verify"],
                                                          rootfs: rootfs, command: ["/bin/sh", "/usr/local/bin/verify"])
                #expect(try await runtime.run(verify.spec).exitCode == verdict, "\(type(of: runtime))")
            }
        }
        #expect(results.map(\.exitCode) == [0, 0])
        #expect(results[0].outputs == results[1].outputs)
        #expect(results[0].stdout == results[1].stdout)
    }
}
