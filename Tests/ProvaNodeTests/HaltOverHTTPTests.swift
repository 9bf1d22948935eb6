import Foundation
import HTTPTypes
import ProvaCore
import ProvaNode
import ProvaTesting
import Testing

/// The known ways to halt the chain, tried over HTTP against the real node: each answered 4xx with a message that
/// says what is wrong, and the chain goes on committing blocks afterwards (docs/PROTOCOL.md "Bounds").
@Suite("No cheap way to halt the chain, over HTTP", .tags(.integration))
struct HaltOverHTTPTests {
    static func refusal(_ node: TestNode, _ body: TransactionBody, by key: AccountKey) async throws -> HTTPAnswer {
        let nonce = try await node.account(key.address).nextNonce
        let transaction = try node.sign(body, by: key, nonce: nonce)
        return try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(transaction)))
    }

    @Test("absurd capacity, absurd resources and redundancy, a workflow whose fees overflow: 4xx with a message; stats answer; blocks go on",
          arguments: Fidelity.allCases)
    func haltAttempts(_ fidelity: Fidelity) async throws {
        var parameters = ChainParameters.genesisDefaults
        parameters.prices = PriceSchedule(cpuCoreHour: ChainParameters.maxUnitPrice, memoryGiBHour: 397, gpuHour: 242_880)
        try await TestNode.with(fidelity, parameters: parameters) { node in
            let program = try #require(try await node.send(.deployProgram(Fixtures.program("halt")), by: node.user).outcome?.created)
            let absurd = Resources(cpuMillicores: 10_000_000_000_000_000, memoryBytes: .max, gpus: 10_000_000_000_000_000)
            let registration = try await Self.refusal(node, .registerWorker(RegisterWorker(capacity: absurd, diskBytes: 1 << 40, stake: 100)), by: node.user)
            #expect(registration.status == 422 && registration.errorCode == "invalid_field")
            #expect(registration.body.contains("capacity.cpuMillicores"))

            let input = [Fixtures.input("input.json")]
            let hugeRequest = try await Self.refusal(node, .requestProof(RequestProof(program: program, inputs: input, resources: absurd, timeLimitSeconds: 60)),
                                                     by: node.user)
            #expect(hugeRequest.status == 422 && hugeRequest.errorCode == "invalid_field")
            let redundancy = try await Self.refusal(node, .requestProof(RequestProof(
                program: program, inputs: input, resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60,
                redundancy: .max)), by: node.user)
            #expect(redundancy.status == 422 && redundancy.errorCode == "invalid_field")

            // Each step's fee fits; together they are worth more than every credit there can be.
            let step = { (index: Int) in
                WorkflowStep(name: "s\(index)", program: program, inputs: [.file(Fixtures.input("input.json"))],
                             resources: Resources(cpuMillicores: 64_000, memoryBytes: Units.gib), timeLimitSeconds: Limits.maxTimeLimitSeconds,
                             redundancy: Limits.maxRedundancy)
            }
            let workflow = try await Self.refusal(node, .submitWorkflow(SubmitWorkflow(name: "overflow", steps: (0..<16).map(step))), by: node.user)
            #expect(workflow.status == 422 && workflow.errorCode == "fee_overflow")
            #expect(workflow.body.contains("supply"))

            let quote = try await node.request(.get, "/v1/quote?cpus=100000000&memory=1GiB&time=5m", contentType: nil)
            #expect(quote.status == 400)
            let stats = try await node.request(.get, "/v1/stats", contentType: nil)
            #expect(stats.status == 200)

            // The chain is not halted: an ordinary transaction still commits, in a later block.
            let before = try await node.status().height
            let committed = try await node.send(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user)
            #expect(try #require(committed.height) > before)
        }
    }
}
