import Foundation
import ProvaSandbox
import ProvaTesting
import Testing

/// The hashchain example (examples/hashchain) run for real: build.sh, ImageStore import, runc.
@Suite("hashchain example", .tags(.integration), .timeLimit(.minutes(5)))
struct HashchainExampleTests {
    struct Images {
        var manifest: Manifest
        var input: URL
        func rootfs(_ program: Manifest.Program) async throws -> URL {
            try await Examples.rootfs(program, in: manifest)
        }
        var limits: RunLimits {
            Examples.limits(cpus: manifest.defaults.cpus, memory: manifest.defaults.memory, time: manifest.defaults.time,
                            tmp: 8 << 20, output: 8 << 20)
        }
        var verifierLimits: RunLimits {
            Examples.limits(cpus: manifest.verifierDefaults.cpus, memory: manifest.verifierDefaults.memory,
                            time: manifest.verifierDefaults.time, tmp: 8 << 20, output: 8 << 20)
        }
    }

    func images() async throws -> Images {
        try Examples.requireSandboxHost()
        let manifest = try await Examples.build("hashchain")
        return Images(manifest: manifest, input: manifest.url(manifest.input))
    }

    func prove(_ images: Images, _ program: Manifest.Program, input: URL? = nil) async throws -> Examples.Run {
        try await Examples.run(
            try await images.rootfs(program), command: program.command, input: input ?? images.input,
            environment: program.environment, limits: images.limits)
    }

    func verify(_ images: Images, proof: URL, input: URL? = nil) async throws -> Examples.Run {
        try await Examples.run(
            try await images.rootfs(images.manifest.verifier), command: images.manifest.verifier.command,
            input: input ?? images.input, proof: proof, environment: images.manifest.verifier.environment,
            limits: images.verifierLimits)
    }

    @Test("the prover's proof verifies, and not against another input")
    func proverAndVerifierAgree() async throws {
        let images = try await images()
        let proved = try await prove(images, images.manifest.prover)
        #expect(proved.result.exitCode == 0, "\(proved.summary("prover"))")
        #expect(proved.result.outputs.map(\.path) == ["proof.txt"])
        let text = try String(contentsOf: proved.output.appendingPathComponent("proof.txt"), encoding: .utf8)
        #expect(text.hasPrefix("hashchain v1\nrounds 1000\nseed "), "proof.txt: \(text)")

        let verified = try await verify(images, proof: proved.output)
        #expect(verified.result.exitCode == 0, "\(verified.summary("verifier"))")

        let other = try Examples.directory(with: ["message.txt": Data("another input\n".utf8)])
        let mismatched = try await verify(images, proof: proved.output, input: other)
        #expect(mismatched.result.exitCode == 1, "\(mismatched.summary("verifier, other input"))")
        print(proved.summary("hashchain prover") + verified.summary("hashchain verifier"))
    }

    @Test("the same input gives the same proof")
    func deterministic() async throws {
        let images = try await images()
        let first = try await prove(images, images.manifest.prover)
        let second = try await prove(images, images.manifest.prover)
        #expect(first.result.exitCode == 0, "\(first.summary("first run"))")
        #expect(second.result.exitCode == 0, "\(second.summary("second run"))")
        #expect(first.result.outputs == second.result.outputs)
    }

    @Test("the lying prover exits 0 and its proof is rejected with exit 1")
    func liarRejected() async throws {
        let images = try await images()
        let liar = try #require(images.manifest.liar, "manifest.json has no liar entry")
        let lied = try await prove(images, liar)
        #expect(lied.result.exitCode == 0, "\(lied.summary("liar"))")
        #expect(lied.result.outputs.map(\.path) == ["proof.txt"])
        let verified = try await verify(images, proof: lied.output)
        #expect(verified.result.exitCode == 1, "\(verified.summary("verifier of the liar's proof"))")
    }

    @Test("the failing prover exits 3 and leaves no output")
    func failingExitsThree() async throws {
        let images = try await images()
        let failing = try #require(images.manifest.failing, "manifest.json has no failing entry")
        let failed = try await prove(images, failing)
        #expect(failed.result.exitCode == 3, "\(failed.summary("failing"))")
        #expect(failed.result.outputs.isEmpty)
        #expect(!failed.result.timedOut && !failed.result.oomKilled)
    }

    @Test("a missing proof is invalid (1); an empty input is the verifier's error (2)")
    func verifierEdgeCases() async throws {
        let images = try await images()
        let emptyProof = try Examples.directory(with: [:])
        let missing = try await verify(images, proof: emptyProof)
        #expect(missing.result.exitCode == 1, "\(missing.summary("verifier without proof"))")
        let emptyInput = try Examples.directory(with: [:])
        let errored = try await verify(images, proof: emptyProof, input: emptyInput)
        #expect(errored.result.exitCode == 2, "\(errored.summary("verifier without input"))")
    }
}
