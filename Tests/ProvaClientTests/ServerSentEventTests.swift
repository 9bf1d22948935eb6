import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient
import FoundationEssentials

@Suite(.tags(.unit))
struct ServerSentEventTests {
    private func parse(_ chunks: [String]) -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        return chunks.flatMap { parser.feed(Array($0.utf8)) }
    }

    @Test func parsesIDEventAndData() {
        let events = parse(["id: 7:0\nevent: taskAssigned\ndata: {\"a\":1}\n\n"])
        #expect(events == [ServerSentEvent(id: "7:0", event: "taskAssigned", data: "{\"a\":1}")])
    }

    @Test func eventSplitAnywhereAcrossChunksParsesTheSame() {
        let text = "id: 12:3\nevent: voteCast\ndata: {\"kind\":\"voteCast\",\"note\":\"héllo ✔\"}\n\n: keep-alive\n\nid: 12:4\ndata: second\n\n"
        let whole = parse([text])
        #expect(whole.count == 2)
        let bytes = Array(text.utf8)
        // Every split point, including inside the multi-byte characters.
        for cut in 1..<bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<cut]) + parser.feed(bytes[cut...])
            #expect(events == whole, "split at byte \(cut)")
        }
        // One byte at a time.
        var parser = ServerSentEventParser()
        #expect(bytes.flatMap { parser.feed([$0]) } == whole)
    }

    @Test func commentsAreIgnoredAndDispatchNothing() {
        #expect(parse([": keep-alive\n\n", ":another\n\n"]).isEmpty)
        #expect(parse([": keep-alive\ndata: x\n: mid-event comment\n\n"]) == [ServerSentEvent(data: "x")])
    }

    @Test func multiLineDataIsJoinedWithNewlines() {
        #expect(parse(["data: first\ndata: second\ndata:\ndata:  indented\n\n"]) == [ServerSentEvent(data: "first\nsecond\n\n indented")])
    }

    @Test func crlfAndBareCRLineEndings() {
        #expect(parse(["id: 1:0\r\ndata: a\r\n\r\n"]) == [ServerSentEvent(id: "1:0", data: "a")])
        #expect(parse(["data: b\r\r"]) == [ServerSentEvent(data: "b")])
        // CR at the end of one chunk and LF at the start of the next is one line end, not two.
        #expect(parse(["data: c\r", "\ndata: d\r", "\n\r", "\n"]) == [ServerSentEvent(data: "c\nd")])
    }

    @Test func idPersistsAcrossEventsAndRetryIsRead() {
        let events = parse(["retry: 2500\nid: 5:1\ndata: a\n\ndata: b\n\n"])
        #expect(events.map(\.id) == ["5:1", "5:1"])
        #expect(events.first?.retryMilliseconds == 2500)
        var parser = ServerSentEventParser()
        _ = parser.feed(Array("id: 9:9\ndata: z\n\n".utf8))
        #expect(parser.lastID == "9:9")
    }

    @Test func incompleteEventIsNotDispatched() {
        #expect(parse(["id: 1:0\ndata: partial\n"]).isEmpty)
        #expect(parse(["event: x\n\n"]).isEmpty)
    }

    @Test func fieldWithoutColonAndUnknownFields() {
        #expect(parse(["data\n\n"]) == [ServerSentEvent(data: "")])
        #expect(parse(["foo: bar\ndata: y\n\n"]) == [ServerSentEvent(data: "y")])
    }

    @Test func byteOrderMarkAtStreamStartIsSkipped() {
        var parser = ServerSentEventParser()
        #expect(parser.feed([0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8)) == [ServerSentEvent(data: "x")])
    }

    @Test func ledgerEventDataDecodes() throws {
        let event = LedgerEvent(.taskAssigned, height: 12, task: "t1", attempt: 1, worker: "w1")
        let data = String(decoding: try ProvaClient.encoder.encode(event), as: UTF8.self)
        let sse = ServerSentEvent(id: "12:0", event: "taskAssigned", data: data)
        #expect(ProvaClient.ledgerEvent(from: sse) == StreamedEvent(id: "12:0", name: "taskAssigned", event: event))
        #expect(ProvaClient.ledgerEvent(from: ServerSentEvent(data: "{\"kind\":\"fromTheFuture\",\"height\":1}")) == nil)
    }
}
