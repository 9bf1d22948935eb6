import ProvaTesting
import Testing
@testable import ProvaClient
import ProvaCore

@Suite(.tags(.unit))
struct QueryTests {
    @Test func eventFilterBuildsQueryInFixedOrderAndSkipsNils() {
        #expect(EventFilter().endpoint(resuming: false).pathAndQuery == "/v1/events")
        #expect(EventFilter(task: "abc").endpoint(resuming: false).pathAndQuery == "/v1/events?task=abc")
        #expect(EventFilter(worker: "w", task: "t", account: "a", from: 42).endpoint(resuming: false).pathAndQuery
                == "/v1/events?worker=w&task=t&account=a&from=42")
    }

    @Test func resumingDropsFromInFavourOfLastEventID() {
        #expect(EventFilter(task: "t", from: 42).endpoint(resuming: true).pathAndQuery == "/v1/events?task=t")
        #expect(ProvaClient.eventHeaders(lastEventID: "42:3").contains { $0 == ("Last-Event-ID", "42:3") })
        #expect(!ProvaClient.eventHeaders(lastEventID: nil).contains { $0.0 == "Last-Event-ID" })
    }

    @Test func valuesAndSegmentsArePercentEncoded() {
        #expect(Endpoint("quote", query: [("cpus", "1.5"), ("memory", "190 GiB"), ("time", "5m"), ("x", "a&b=c/d")]).pathAndQuery
                == "/v1/quote?cpus=1.5&memory=190%20GiB&time=5m&x=a%26b%3Dc%2Fd")
        #expect(Endpoint("prover-sets", "gpu/h100 ✔").pathAndQuery == "/v1/prover-sets/gpu%2Fh100%20%E2%9C%94")
        #expect(Endpoint("tasks", query: [("state", nil), ("limit", "5")]).pathAndQuery == "/v1/tasks?limit=5")
    }

    @Test(arguments: ["http://127.0.0.1:8545", "http://127.0.0.1:8545/", "https://node.example.com", " http://localhost:1/ "])
    func nodeURLsAreAccepted(_ url: String) throws {
        let client = try ProvaClient(node: url)
        #expect(!client.node.hasSuffix("/"))
        #expect(!client.node.hasPrefix(" "))
    }

    @Test(arguments: ["127.0.0.1:8545", "ftp://host", "http://", "http://host/v1", "not a url"])
    func badNodeURLsAreRefused(_ url: String) {
        let error = #expect(throws: ClientError.self) { try ProvaClient(node: url) }
        #expect(error?.code == .badNodeUrl)
    }
}
