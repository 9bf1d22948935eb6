import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Synchronization
import Testing

/// A client given several node URLs (`ProvaClient(nodes:)`, `--node a,b`) against a live node: one URL refuses
/// connections or is cut off by a relay, the other is the node itself — two URLs of one chain.
@Suite("Failover between node URLs", .tags(.integration))
struct FailoverTests {
    @Test("a closed port first in the list: a read and a transaction land on the live node, which copies of the client then prefer")
    func closedPortFirst() async throws {
        try await LiveNode.with(workers: 2) { live in
            let closed = "http://127.0.0.1:\(try await TCPRelay.closedPort())"
            var client = try ProvaClient(node: "\(closed),\(live.url)")
            let switches = SwitchLog()
            client.onNodeSwitch = switches.record
            let copy = client
            #expect(client.currentNode == closed)

            #expect(try await client.status().chainID == live.chainID)
            #expect(copy.currentNode == live.url)
            #expect(switches.all.map(\.from) == [closed])
            #expect(switches.all.map(\.to) == [live.url])
            #expect(switches.all.first?.reason.code == .nodeUnreachable)

            let sent = try await copy.send(.transfer(Transfer(to: live.workers[0].address, amount: 1)), signedBy: live.user)
            #expect(sent.status == .committed)
            #expect(switches.all.count == 1)
            #expect(client.node == closed)
        }
    }

    @Test("when no URL answers, the error names every node tried")
    func everyNodeDown() async throws {
        let first = "http://127.0.0.1:\(try await TCPRelay.closedPort())"
        let second = "http://127.0.0.1:\(try await TCPRelay.closedPort())"
        let client = try ProvaClient(nodes: [first, second])
        let error = await #expect(throws: ClientError.self) { try await client.status() }
        #expect(error?.code == .nodeUnreachable)
        #expect(error?.message.contains("tried \(first), \(second)") == true, "\(error?.message ?? "")")
    }

    @Test("an event stream whose relay is cut resumes on the next URL: the node's events, none missing, none twice")
    func streamResumesOnTheNextNode() async throws {
        try await LiveNode.with(workers: 2) { live in
            let port = try #require(URLComponents(string: live.url)?.port)
            try await TCPRelay.with(forwardingTo: port) { relay in
                var client = try ProvaClient(nodes: [relay.url, live.url])
                let switches = SwitchLog()
                client.onNodeSwitch = switches.record
                let user = live.user.address
                _ = try await live.client.send(.transfer(Transfer(to: live.workers[0].address, amount: 1)), signedBy: live.user)

                var received: [String] = []
                var stream = client.events(account: user, from: 1).makeAsyncIterator()
                while let streamed = try await stream.next() {
                    received.append(streamed.id ?? "no id")
                    if Self.isTransfer(streamed, amount: 1) { break }
                }
                #expect(client.currentNode == relay.url)

                relay.cut()
                _ = try await live.client.send(.transfer(Transfer(to: live.workers[0].address, amount: 2)), signedBy: live.user)
                while let streamed = try await stream.next() {
                    received.append(streamed.id ?? "no id")
                    if Self.isTransfer(streamed, amount: 2) { break }
                }

                var expected: [String] = []
                for try await streamed in live.client.events(account: user, from: 1) {
                    expected.append(streamed.id ?? "no id")
                    if Self.isTransfer(streamed, amount: 2) { break }
                }
                #expect(received == expected)
                #expect(Set(received).count == received.count)
                #expect(client.currentNode == live.url)
                #expect(switches.all.map(\.to) == [live.url])
            }
        }
    }

    private static func isTransfer(_ streamed: StreamedEvent, amount: MicroCredits) -> Bool {
        streamed.event.kind == .transferred && streamed.event.amount == amount
    }
}

/// The node switches a client reported.
final class SwitchLog: Sendable {
    private let switches = Mutex<[NodeSwitch]>([])
    var all: [NodeSwitch] { switches.withLock { $0 } }
    func record(_ change: NodeSwitch) { switches.withLock { $0.append(change) } }
}
