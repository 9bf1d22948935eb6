import Foundation
import ProvaCore
import ProvaNode
import ProvaSandbox
import ProvaWorker
import ProvaTesting
import Testing

/// The capacity-test image in real runc containers, without a chain.
@Suite(.tags(.integration))
struct CapacityImageTests {
    @Test func theImageDigestDependsOnlyOnBusyboxAndTheScript() throws {
        let first = try CapacityTestImage.build(at: try Scratch.directory("capacity-a"))
        let second = try CapacityTestImage.build(at: try Scratch.directory("capacity-b"))
        #expect(first.digest == second.digest)
        #expect(first.digest == SHA256Hex.of(try Data(contentsOf: first.archive)))
        #expect(CapacityTestProgram.deploy(imageDigest: first.digest).prover.digest == first.digest)
        #expect(CapacityTestProgram.deploy(imageDigest: first.digest).programID != CapacityTestProgram.deploy.programID)
    }

    @Test(.requiresContainers)
    func proverOutputPassesTheVerifierAndTamperingFails() async throws {
        let base = try Scratch.directory("capacity-run")
        let (archive, digest) = try CapacityTestImage.build(at: base)
        let store = ImageStore(root: base.appendingPathComponent("images"), diskBudgetBytes: Units.gib)
        let rootfs = try await store.rootfs(forArchive: archive, expectedDigest: digest)
        let runtime = RuncRuntime(stateRoot: base.appendingPathComponent("runc"), seccompProfile: try SeccompProfile.containersDefault())
        let program = CapacityTestProgram.deploy(imageDigest: digest)
        let environment = ["PROVA_TEST_CPU_MILLICORES=2000", "PROVA_TEST_MEMORY_BYTES=\(512 * Units.mib)", "PROVA_TEST_GPUS=0"]
        func directory(_ name: String) throws -> URL {
            let url = base.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        func limits(_ resources: Resources, memory: ByteCount) -> RunLimits {
            RunLimits(cpuMillicores: resources.cpuMillicores, memoryBytes: memory, pids: 256, timeLimitSeconds: 60,
                      outputBytesLimit: 16 * Units.mib, tmpBytesLimit: memory, logBytesLimit: 64 * 1024)
        }
        let proved = try await runtime.run(RunSpec(
            rootfs: rootfs, command: program.prover.command, environment: environment, inputDirectory: try directory("input"),
            outputDirectory: base.appendingPathComponent("output"), limits: limits(Resources(cpuMillicores: 2000, memoryBytes: 0), memory: 512 * Units.mib),
            workingDirectory: try directory("work")))
        #expect(proved.exitCode == 0, "\(String(decoding: proved.stderr, as: UTF8.self))")
        #expect(proved.outputs.map(\.path) == ["result.txt"])
        let result = String(decoding: try Data(contentsOf: base.appendingPathComponent("output/result.txt")), as: UTF8.self)
        #expect(result.contains("cores=2\n"))
        #expect(result.contains("touched_bytes=\(256 * Units.mib)\n"))
        #expect(proved.peakMemoryBytes >= 256 * Units.mib)

        func verify(_ proof: URL) async throws -> Int32 {
            try await runtime.run(RunSpec(
                rootfs: rootfs, command: program.verifier.command, environment: environment, inputDirectory: try directory("input"),
                outputDirectory: base.appendingPathComponent("verify-output-\(UUID().uuidString.prefix(6))"), proofDirectory: proof,
                limits: limits(program.verifierResources, memory: program.verifierResources.memoryBytes),
                workingDirectory: try directory("work"))).exitCode
        }
        #expect(try await verify(base.appendingPathComponent("output")) == 0)
        let forged = try directory("forged")
        try Data(result.replacingOccurrences(of: "cores=2", with: "cores=1").utf8).write(to: forged.appendingPathComponent("result.txt"))
        #expect(try await verify(forged) == 1)
        let wrongHash = try directory("wrong-hash")
        let lines = result.split(separator: "\n").map { $0.hasPrefix("hash_1=") ? "hash_1=" + String(repeating: "0", count: 64) : String($0) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: wrongHash.appendingPathComponent("result.txt"))
        #expect(try await verify(wrongHash) == 1)
    }
}
