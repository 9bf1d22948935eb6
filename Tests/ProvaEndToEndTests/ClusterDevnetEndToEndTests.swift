import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// `prova devnet --validators 3`: the EZKL journey on a cluster, with the validator every worker talks to killed while
/// the proof runs (docs/CONSENSUS.md).
@Suite("End to end on a cluster devnet", .tags(.endToEnd), .serialized)
struct ClusterDevnetEndToEndTests {
    @Test("EZKL on 3 validators: the workers' validator is killed mid-task and they keep proving and voting through another; the task's certificate checks offline, a tampered one does not")
    func ezklThroughAValidatorCrash() async throws {
        try await DevnetProcess.buildExample("ezkl")
        let devnet = try await DevnetProcess.start(validators: 3)
        do {
            try await scenario(devnet)
        } catch {
            await devnet.stop()
            throw error
        }
        await devnet.stop()
    }

    private func scenario(_ devnet: DevnetProcess) async throws {
        #expect(devnet.validators.count == 3)
        #expect(try await devnet.client().status().validators.map(\.url) == devnet.validators)
        // Each validator's live key reaches the others through etcd's watch.
        try await eventually("every validator is live", over: processStateTicks()) {
            try await devnet.client().status().validators.allSatisfy(\.live)
        }
        let program = try await devnet.deploy(example: "ezkl", name: "ezkl-mlp")
        // Blobs are copied to every validator once the block naming them is committed (docs/CONSENSUS.md "Blobs"): wait
        // for the program's images to be everywhere before a validator is lost.
        let deployed = try await devnet.client().program(program)
        try await eventually("the program's images are on every validator", over: processStateTicks(every: .milliseconds(200))) {
            for url in devnet.validators {
                for digest in [deployed.deploy.prover.digest, deployed.deploy.verifier.digest] {
                    var request = HTTPClientRequest(url: "\(url)/v1/blobs/\(digest)")
                    request.method = .HEAD
                    request.headers.add(name: "X-Prova-Peer-Fetch", value: "1")
                    guard try await HTTPClient.shared.execute(request, deadline: .now() + .seconds(5)).status == .ok else { return false }
                }
            }
            return true
        }
        let input = DevnetProcess.repository.appendingPathComponent("examples/ezkl/input.json").path
        let requested = try await devnet.json(TransactionStatus.self, ["proof", "request", "--program", program, "--input", input, "--key", "dev"])
        let taskID = try #require(requested.outcome?.created)

        // Every worker follows the validators in the order given, so all of them talk to the first: kill it once the
        // proof is running.
        let client = try devnet.client()
        _ = try await client.waitForTask(taskID, until: { $0.state == .running || $0.state == .delivered }, timeout: .seconds(120))
        try devnet.killValidator(0)
        let survivors = try ProvaClient(node: devnet.validators.dropFirst().joined(separator: ","))
        let task = try await survivors.waitForTask(taskID, until: { $0.state == .verified || $0.state == .failed }, timeout: .seconds(300))
        #expect(task.state == .verified)
        // No acceptance was missed: the first attempt is the verified one.
        #expect(task.attempts.count == 1 && task.verifiedAttempt == 1)

        // Its certificate, from another validator, checks with the genesis file alone; a changed byte does not.
        let certificate = devnet.home.appendingPathComponent("certificate.json")
        let genesis = devnet.dataDirectory.appendingPathComponent("validators/1/genesis.json").path
        let written = try await devnet.cli(["proof", "certificate", taskID, "--out", certificate.path, "--node", devnet.validators[2]])
        #expect(written.status == 0, "\(written.output)")
        let checked = try await devnet.cli(["proof", "check", certificate.path, "--genesis", genesis])
        #expect(checked.status == 0 && checked.output.contains("valid: task \(taskID)"), "\(checked.output)")
        var bytes = try Data(contentsOf: certificate)
        let position = try #require(bytes.firstRange(of: Data("\"exitCode\":0".utf8))).upperBound - 1
        bytes[position] = UInt8(ascii: "1")
        let tampered = devnet.home.appendingPathComponent("tampered.json")
        try bytes.write(to: tampered)
        let refused = try await devnet.cli(["proof", "check", tampered.path, "--genesis", genesis])
        #expect(refused.status != 0 && refused.output.contains("invalid certificate"), "\(refused.output)")
    }
}
