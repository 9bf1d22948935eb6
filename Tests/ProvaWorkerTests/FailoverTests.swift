import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import ProvaWorker
import Testing

/// Workers whose `node` lists two URLs of one chain: a relay to the node, then the node itself.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WorkerFailoverTests {
    @Test("the relay the workers follow is cut: their streams and transactions move to the next URL and the next task is verified",
          .tags(.endToEnd))
    func workersFailOverWhenTheirNodeGoes() async throws {
        try await WorkerNetwork.with(workers: 3) { network in
            let port = try #require(URLComponents(string: network.url)?.port)
            try await TCPRelay.with(forwardingTo: port) { relay in
                let recorder = Recorder()
                let plan = Plan()
                let nodes = "\(relay.url),\(network.url)"
                let workers = try network.genesisWorkers.map { try network.start($0, recorder: recorder, plan: plan, node: nodes) }

                let before = try await network.input("data.txt", "through the relay\n")
                let first = try await network.request(inputs: [before], verifiers: 2, timeLimit: 120)
                try await network.waitForTask(first, "the first task's verification") { $0.state == .verified }

                relay.cut()
                let after = try await network.input("data.txt", "straight to the node\n")
                let second = try await network.request(inputs: [after], verifiers: 2, timeLimit: 120)
                let task = try await network.waitForTask(second, "the second task's verification") { $0.state == .verified }
                #expect(task.attempts.count == 1)
                #expect(task.attempts.first?.verifiers.filter { $0.vote == .valid }.count == 2)
                #expect(await recorder.count("result") == 2)
                #expect(await recorder.count("vote") == 4)
                for worker in workers { try await worker.drain() }
            }
        }
    }
}
