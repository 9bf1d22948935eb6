import Foundation
import ProvaSandbox
import ProvaTesting
import Testing

/// The EZKL example (examples/ezkl) run for real: build.sh (cached; the first build takes a few
/// minutes), ImageStore import, proving under 2 cores / 2 GiB in runc, verifying in runc, and
/// verifying the same proof on the host with the pinned ezkl package.
@Suite("EZKL example", .tags(.integration), .timeLimit(.minutes(30)))
struct EZKLExampleTests {
    @Test("proves in the sandbox, verifies in and out of it, and rejects tampered proofs")
    func proveVerifyAndReject() async throws {
        try Examples.requireSandboxHost()
        let manifest = try await Examples.build("ezkl")
        let input = manifest.url(manifest.input)
        let inputDirectory = try Examples.directory(with: ["input.json": try Data(contentsOf: input)])

        let clock = ContinuousClock()
        var started = clock.now
        let proverRootfs = try await Examples.rootfs(manifest.prover, in: manifest)
        let verifierRootfs = try await Examples.rootfs(manifest.verifier, in: manifest)
        print("EZKL images imported in \(started.duration(to: clock.now))")

        // Prove with the manifest's defaults: 2 cores, 2 GiB, a time limit.
        let limits = Examples.limits(
            cpus: manifest.defaults.cpus, memory: manifest.defaults.memory, time: manifest.defaults.time)
        #expect(manifest.defaults.cpus == 2 && manifest.defaults.memory == 2 << 30)
        started = clock.now
        let proved = try await Examples.run(
            proverRootfs, command: manifest.prover.command, input: inputDirectory,
            environment: manifest.prover.environment, limits: limits)
        print("EZKL " + proved.summary("prover") + " (host-measured \(started.duration(to: clock.now)))")
        try #require(proved.result.exitCode == 0, "\(proved.summary("prover"))")
        #expect(!proved.result.oomKilled && !proved.result.timedOut)
        #expect(Set(proved.result.outputs.map(\.path)).isSuperset(of: ["proof.json", "witness.json", "public.json"]))
        let proofURL = proved.output.appendingPathComponent("proof.json")
        let proofData = try Data(contentsOf: proofURL)

        // The verifier image accepts the honest proof.
        let verified = try await verifyInSandbox(verifierRootfs, manifest, proof: proofData, input: inputDirectory)
        print("EZKL " + verified.summary("verifier"))
        #expect(verified.result.exitCode == 0, "\(verified.summary("verifier"))")

        // A flipped byte in the proof transcript: ezkl rejects it.
        var flipped = try JSONSerialization.jsonObject(with: proofData) as! [String: Any]
        var bytes = try #require(flipped["proof"] as? [Int], "proof.json has no byte array \"proof\"")
        bytes[bytes.count / 2] ^= 0x01
        flipped["proof"] = bytes
        let flippedRun = try await verifyInSandbox(
            verifierRootfs, manifest, proof: try JSONSerialization.data(withJSONObject: flipped), input: inputDirectory)
        #expect(flippedRun.result.exitCode == 1, "\(flippedRun.summary("verifier, flipped proof byte"))")

        // A public input changed in the proof: it no longer matches the task input.
        var changed = try JSONSerialization.jsonObject(with: proofData) as! [String: Any]
        var instances = try #require(changed["instances"] as? [[String]], "proof.json has no instances")
        instances[0][0] = Self.felt(0.25, scale: 13)
        changed["instances"] = instances
        let changedData = try JSONSerialization.data(withJSONObject: changed)
        let changedRun = try await verifyInSandbox(verifierRootfs, manifest, proof: changedData, input: inputDirectory)
        #expect(changedRun.result.exitCode == 1, "\(changedRun.summary("verifier, changed public input"))")

        // The same changed proof against an input that matches it: the input check passes, and
        // ezkl itself rejects the proof.
        var otherInput = try JSONSerialization.jsonObject(with: Data(contentsOf: input)) as! [String: Any]
        var rows = try #require(otherInput["input_data"] as? [[Double]])
        rows[0][0] = 0.25
        otherInput["input_data"] = rows
        let otherDirectory = try Examples.directory(with: ["input.json": try JSONSerialization.data(withJSONObject: otherInput)])
        let forgedRun = try await verifyInSandbox(verifierRootfs, manifest, proof: changedData, input: otherDirectory)
        #expect(forgedRun.result.exitCode == 1, "\(forgedRun.summary("verifier, forged instance with matching input"))")
        #expect(forgedRun.stderrText.contains("ezkl rejected"), "\(forgedRun.stderrText)")

        // The honest proof is not a proof of another input.
        let mismatchRun = try await verifyInSandbox(verifierRootfs, manifest, proof: proofData, input: otherDirectory)
        #expect(mismatchRun.result.exitCode == 1, "\(mismatchRun.summary("verifier, other input"))")

        // Outside the sandbox, with the host's ezkl (the venv build.sh made with the same pin).
        let python = manifest.directory.appendingPathComponent("venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "\(python) is missing: examples/ezkl/build.sh creates it (pip install ezkl==23.0.5)")
        let script = Examples.directory("ezkl").appendingPathComponent("verify_outside.py").path
        let artifacts = manifest.url("artifacts").path
        let outside = try await offloaded { try runHost(python, [script, proofURL.path, input.path, "--artifacts", artifacts]) }
        #expect(outside.status == 0, "verify_outside.py: \(outside.output)")
        let tampered = try Examples.scratch("tampered").appendingPathComponent("proof.json")
        try JSONSerialization.data(withJSONObject: flipped).write(to: tampered)
        let outsideTampered = try await offloaded { try runHost(python, [script, tampered.path, input.path, "--artifacts", artifacts]) }
        #expect(outsideTampered.status == 1, "verify_outside.py on a tampered proof: \(outsideTampered.output)")
    }

    func verifyInSandbox(_ rootfs: URL, _ manifest: Manifest, proof: Data, input: URL) async throws -> Examples.Run {
        let proofDirectory = try Examples.directory(with: ["proof.json": proof])
        return try await Examples.run(
            rootfs, command: manifest.verifier.command, input: input, proof: proofDirectory,
            environment: manifest.verifier.environment,
            limits: Examples.limits(
                cpus: manifest.verifierDefaults.cpus, memory: manifest.verifierDefaults.memory,
                time: manifest.verifierDefaults.time))
    }

    /// EZKL's field element for a non-negative float: round(x * 2^scale) as 32 little-endian bytes, in hex.
    static func felt(_ value: Double, scale: Int) -> String {
        var integer = UInt64((value * Double(1 << scale)).rounded())
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<8 {
            bytes[index] = UInt8(integer & 0xff)
            integer >>= 8
        }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
