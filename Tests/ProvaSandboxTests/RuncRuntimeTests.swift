import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

@Suite("RuncRuntime: normal runs", .tags(.integration))
struct RuncRuntimeTests {
    @Test("reads /input, writes /output, outputs are hashed and sorted, exit 0")
    func normalRun() async throws {
        let runtime = try Fixtures.runtime()
        let spec = try Fixtures.spec(
            """
            cat /input/question.txt
            echo "answer: $(cat /input/question.txt | wc -c)" > /output/result.txt
            mkdir -p /output/sub && printf 'abc' > /output/sub/b.bin
            ln -s /etc/hostname /output/host-link
            echo "env=$PROVA_TASK_ID" >&2
            """,
            environment: ["PROVA_TASK_ID=task-1"], inputFiles: ["question.txt": "six x seven\n"])
        let result = try await runtime.run(spec)
        #expect(result.exitCode == 0, "stderr: \(result.stderrText)")
        #expect(result.stdoutText == "six x seven\n")
        #expect(result.stderrText == "env=task-1\n")
        #expect(!result.timedOut && !result.oomKilled && !result.outputLimitExceeded)
        #expect(result.stdoutSHA256 == SHA256Hex.of(Data("six x seven\n".utf8)))
        #expect(result.outputs.map(\.path) == ["result.txt", "sub/b.bin"], "symlinks are not collected")
        let abc = try #require(result.outputs.last)
        #expect(abc.size == 3 && abc.sha256 == SHA256Hex.of(Data("abc".utf8)))
        let copied = try String(contentsOf: spec.outputDirectory.appendingPathComponent("result.txt"), encoding: .utf8)
        #expect(copied == "answer: 12\n")
        #expect(result.peakMemoryBytes > 0)
        #expect(result.cpuMilliseconds >= 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: spec.workingDirectory.path)
        #expect(leftovers.isEmpty, "the bundle is deleted after the run")
    }

    @Test("a non-zero exit code is reported as is")
    func nonZeroExit() async throws {
        let result = try await Fixtures.runtime().run(Fixtures.spec("echo failing >&2; exit 3"))
        #expect(result.exitCode == 3)
        #expect(result.stderrText == "failing\n")
    }

    @Test("the verifier sees /proof read-only")
    func proofMount() async throws {
        let proof = try Fixtures.temporaryDirectory("proof")
        try Data("proof-bytes".utf8).write(to: proof.appendingPathComponent("proof.bin"))
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "cat /proof/proof.bin; echo x > /proof/new 2>/dev/null && echo WROTE || echo READONLY", proof: proof))
        #expect(result.stdoutText == "proof-bytesREADONLY\n")
    }

    @Test("duplicate environment keys are rejected before anything runs")
    func duplicateEnvironment() async throws {
        let spec = try Fixtures.spec("true", environment: ["A=1", "B=2", "A=3"])
        let error = await #expect(throws: SandboxError.self) { try await Fixtures.runtime().run(spec) }
        #expect(error?.code == .duplicateEnvironment)
    }

    @Test("cancelling a run kills the container and removes it and its bundle")
    func cancellation() async throws {
        let runtime = try Fixtures.runtime()
        let spec = try Fixtures.spec("echo started > /input/ready; sleep 60", limits: Fixtures.limits(time: 20))
        let fifo = spec.inputDirectory.appendingPathComponent("ready")
        #expect(mkfifo(fifo.path, 0o666) == 0)
        // The program is not root: the FIFO must be writable by others whatever the umask.
        #expect(chmod(fifo.path, 0o666) == 0)
        let run = Task { try await runtime.run(spec) }
        // Should the program never open the FIFO, this unblocks the reader once the run ends.
        let unblock = Task {
            _ = try? await run.value
            let fd = open(fifo.path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        // Returns once the container has opened the FIFO: the program is running.
        let line = await Self.readLine(fifo.path)
        #expect(line == "started\n")
        run.cancel()
        let error = await #expect(throws: SandboxError.self) { try await run.value }
        #expect(error?.code == .cancelled)
        await unblock.value
        #expect(try FileManager.default.contentsOfDirectory(atPath: spec.workingDirectory.path).isEmpty)
        let runc = try #require(Executable.locate("runc"))
        let listed = try Fixtures.runTool(runc, ["--root", runtime.stateRoot.path, "list", "-q"])
        #expect(listed.trimmed.isEmpty, "no container is left: \(listed)")
    }

    private static func readLine(_ path: String) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                guard let handle = FileHandle(forReadingAtPath: path) else {
                    continuation.resume(returning: "")
                    return
                }
                let data = handle.readDataToEndOfFile()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }.start()
        }
    }
}
