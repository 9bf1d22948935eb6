import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient

@Suite(.tags(.unit))
struct NodeListTests {
    @Test func oneURLIsCheckedAsBefore() throws {
        #expect(try NodeList.parse("http://127.0.0.1:8545") == ["http://127.0.0.1:8545"])
        #expect(try NodeList.parse(" https://node.example:8545// ") == ["https://node.example:8545"])
        let client = try ProvaClient(node: "http://a:8545/")
        #expect(client.node == "http://a:8545")
        #expect(client.nodes == ["http://a:8545"])
        #expect(client.currentNode == "http://a:8545")
    }

    @Test func commaSeparatedURLsKeepTheirOrder() throws {
        #expect(try NodeList.parse("http://a:8545, http://b:8545/,https://c") == ["http://a:8545", "http://b:8545", "https://c"])
        let client = try ProvaClient(node: "http://a:8545,http://b:8545")
        #expect(client.node == "http://a:8545")
        #expect(client.nodes == ["http://a:8545", "http://b:8545"])
        #expect(try ProvaClient(nodes: ["http://b:1", "http://a:1"]).nodes == ["http://b:1", "http://a:1"])
    }

    @Test func emptyItemsAreRefusedByPosition() {
        for text in ["http://a:8545,,http://b:8545", "http://a:8545,", ",http://a:8545", "http://a:8545, ,http://b:8545"] {
            let error = #expect(throws: ClientError.self) { try NodeList.parse(text) }
            #expect(error?.code == .badNodeUrl)
            #expect(error?.message.contains("empty item") == true, "\(text): \(error?.message ?? "")")
        }
        #expect(throws: ClientError.self) { try ProvaClient(nodes: []) }
        #expect(throws: ClientError.self) { try ProvaClient(nodes: ["http://a:1", ""]) }
    }

    @Test func duplicatesAreRefused() {
        for text in ["http://a:8545,http://a:8545", "http://a:8545,http://A:8545/", "http://b:1,http://a:8545,http://b:1"] {
            let error = #expect(throws: ClientError.self) { try NodeList.parse(text) }
            #expect(error?.code == .badNodeUrl)
            #expect(error?.message.contains("twice") == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func aBadURLAnywhereIsRefusedByName() {
        for (text, bad) in [("ftp://a:1", "ftp://a:1"), ("http://a:1,a:2", "a:2"), ("http://a:1,http://b:1/v1", "http://b:1/v1"), ("", "")] {
            let error = #expect(throws: ClientError.self) { try NodeList.parse(text) }
            #expect(error?.code == .badNodeUrl)
            #expect(error?.message.contains("'\(bad)' is not a node URL") == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func theRingStartsAtTheNodeThatAnsweredLast() {
        let ring = NodeRing(["http://a:1", "http://b:1", "http://c:1"])
        #expect(ring.order() == [0, 1, 2])
        #expect(ring.answered(0) == nil)
        #expect(ring.answered(2) == "http://a:1")
        #expect(ring.order() == [2, 0, 1])
        #expect(ring.current == "http://c:1")
        #expect(ring.index(after: 2) == 0)
    }

    @Test func onlyTransportFailuresAnd503FailOver() {
        #expect(ClientError.nodeUnreachable("http://a:1").warrantsFailover)
        #expect(ClientError(.connectionLost, "lost").warrantsFailover)
        #expect(ClientError(.mempoolFull, "full", httpStatus: 503).warrantsFailover)
        #expect(!ClientError(.badRequest, "no", httpStatus: 400).warrantsFailover)
        #expect(!ClientError(.timeout, "slow").warrantsFailover)
        #expect(!ClientError(ErrorCode("http_500"), "broken", httpStatus: 500).warrantsFailover)
    }

    @Test func eventPositionsOrderByHeightThenIndex() throws {
        let early = try #require(EventStreamPosition("7:12"))
        let late = try #require(EventStreamPosition("8:0"))
        #expect(early < late)
        #expect(EventStreamPosition("8:0") == late)
        #expect(EventStreamPosition("x") == nil)
        #expect(EventStreamPosition(nil) == nil)
    }

    @Test func backoffDoublesToItsCapAndResets() {
        var backoff = ReconnectionBackoff(.standard)
        #expect((0..<6).map { _ in backoff.delay() } == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .seconds(2), .seconds(2)])
        backoff.reset()
        #expect(backoff.delay() == .milliseconds(200))
    }
}
