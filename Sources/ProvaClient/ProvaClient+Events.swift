import Foundation
import NIOCore
public import ProvaCore
import AsyncHTTPClient
import NIOHTTP1

/// A ledger event as received from `GET /v1/events`.
public struct StreamedEvent: Sendable, Hashable {
    /// `height:index`; pass it as `lastEventID` to resume after it.
    public var id: String?
    /// The SSE event name: the event's kind.
    public var name: String
    public var event: LedgerEvent

    public init(id: String?, name: String, event: LedgerEvent) { self.id = id; self.name = name; self.event = event }
}

extension ProvaClient {
    /// Follows the node's ledger events, filtered (AND) by worker, task and account, from block height `from` or
    /// after `lastEventID`. A dropped or failed connection is re-opened at the next node of the client's list with
    /// `Last-Event-ID` (validators of one chain number their events alike), so no event is lost or repeated; when every
    /// node fails, rounds of reconnection pause as `reconnection` says. The stream fails if no node can be reached for
    /// the first connection, if a node refuses the request (4xx), or once no node has answered for
    /// `reconnection.giveUpAfter`. Cancel the consuming task (or stop iterating) to close it.
    /// Events of kinds this client does not know are skipped.
    public func events(worker: Address? = nil, task: TaskID? = nil, account: Address? = nil, from: UInt64? = nil,
                       lastEventID: String? = nil, reconnection: EventReconnection = .standard) -> AsyncThrowingStream<StreamedEvent, any Error> {
        let filter = EventFilter(worker: worker, task: task, account: account, from: from)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: StreamedEvent.self)
        let reader = Task { [self] in
            do {
                try await follow(filter, lastEventID: lastEventID, reconnection: reconnection) { continuation.yield($0) }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    /// The reconnecting read loop behind `events`. Returns only by throwing (cancellation included).
    private func follow(_ filter: EventFilter, lastEventID: String?, reconnection: EventReconnection,
                        deliver: @Sendable (StreamedEvent) -> Void) async throws {
        var resumeID = lastEventID
        var delivered = EventStreamPosition(lastEventID)
        var index = ring.currentIndex
        var connectedOnce = false
        var backoff = ReconnectionBackoff(reconnection)
        // Since a node last answered.
        var failures: [(node: String, error: ClientError)] = []
        var outageStart = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            let node = ring.urls[index]
            do {
                let response = try await execute(.GET, filter.endpoint(resuming: resumeID != nil), on: node,
                                                 headers: Self.eventHeaders(lastEventID: resumeID), timeout: nil)
                try await check(response, from: node)
                connectedOnce = true
                noteAnswer(from: index, after: failures.last?.error)
                failures = []
                backoff.reset()
                var parser = ServerSentEventParser()
                for try await buffer in response.body {
                    for sse in parser.feed(buffer.readableBytesView) {
                        let position = EventStreamPosition(sse.id)
                        if let position, let delivered, position <= delivered { continue }
                        if let id = sse.id { resumeID = id }
                        if let position { delivered = position }
                        if let event = Self.ledgerEvent(from: sse) { deliver(event) }
                    }
                }
                // The node closed the stream (restart, idle proxy…): resume where we were.
                failures.append((node, ClientError(.streamLost, "the node at \(node) ended the event stream")))
            } catch let error as CancellationError {
                throw error
            } catch let error as ClientError where error.isClientMistake || (!connectedOnce && !error.warrantsFailover) {
                throw error
            } catch {
                failures.append((node, ClientError.transport(error, node: node)))
            }
            if failures.count == 1 { outageStart = .now }
            guard connectedOnce || failures.count < ring.urls.count else { throw ClientError.everyNodeFailed(failures) }
            if connectedOnce, ContinuousClock.now - outageStart >= reconnection.giveUpAfter {
                throw ClientError(.streamLost, "lost the event stream; no node of \(nodes.joined(separator: ", ")) answered for \(reconnection.giveUpAfter); are the nodes running?",
                                  cause: failures.last.map { "\($0.node): \($0.error)" })
            }
            index = ring.index(after: index)
            // A whole round failed: pause before the next.
            if failures.count.isMultiple(of: ring.urls.count) { try await Task.sleep(for: backoff.delay()) }
        }
    }

    static func eventHeaders(lastEventID: String?) -> [(String, String)] {
        var headers = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]
        if let lastEventID { headers.append(("Last-Event-ID", lastEventID)) }
        return headers
    }

    /// Decodes an SSE event's data as a `LedgerEvent`; nil for events this client does not understand.
    static func ledgerEvent(from sse: ServerSentEvent) -> StreamedEvent? {
        guard let event = try? decoder.decode(LedgerEvent.self, from: Data(sse.data.utf8)) else { return nil }
        return StreamedEvent(id: sse.id, name: sse.event ?? event.kind.rawValue, event: event)
    }
}
