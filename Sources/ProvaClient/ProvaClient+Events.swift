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
    /// after `lastEventID`. A dropped connection is re-opened with `Last-Event-ID`, so no event is lost or repeated;
    /// the stream fails if the first connection fails, if the node refuses the request (4xx), or after
    /// `reconnectAttempts` failed reconnections in a row. Cancel the consuming task (or stop iterating) to close it.
    /// Events of kinds this client does not know are skipped.
    public func events(worker: Address? = nil, task: TaskID? = nil, account: Address? = nil, from: UInt64? = nil,
                       lastEventID: String? = nil, reconnectAttempts: Int = 30) -> AsyncThrowingStream<StreamedEvent, any Error> {
        let filter = EventFilter(worker: worker, task: task, account: account, from: from)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: StreamedEvent.self)
        let reader = Task { [self] in
            do {
                try await follow(filter, lastEventID: lastEventID, reconnectAttempts: reconnectAttempts) { continuation.yield($0) }
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

    /// The reconnecting read loop behind `events`. Returns only when cancelled.
    private func follow(_ filter: EventFilter, lastEventID: String?, reconnectAttempts: Int,
                        deliver: @Sendable (StreamedEvent) -> Void) async throws {
        var resumeID = lastEventID
        var failures = 0
        var connectedOnce = false
        var retryDelay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                let endpoint = filter.endpoint(resuming: resumeID != nil)
                let response = try await execute(.GET, endpoint, headers: Self.eventHeaders(lastEventID: resumeID), timeout: nil)
                try await check(response)
                connectedOnce = true
                failures = 0
                var parser = ServerSentEventParser()
                for try await buffer in response.body {
                    for sse in parser.feed(buffer.readableBytesView) {
                        if let id = sse.id { resumeID = id }
                        if let milliseconds = sse.retryMilliseconds { retryDelay = .milliseconds(milliseconds) }
                        if let event = Self.ledgerEvent(from: sse) { deliver(event) }
                    }
                }
                // The node closed the stream (restart, idle proxy…): resume where we were.
            } catch let error as CancellationError {
                throw error
            } catch let error as ClientError where error.isClientMistake || !connectedOnce {
                throw error
            } catch {
                guard connectedOnce else { throw ClientError.transport(error, node: node) }
                failures += 1
                if failures > reconnectAttempts {
                    throw ClientError(.streamLost, "lost the event stream from \(node) and \(reconnectAttempts) reconnections failed; is the node running?",
                                      cause: "\(error)")
                }
            }
            try await Task.sleep(for: retryDelay)
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
