import Foundation
import HTTPTypes
import Hummingbird
import ProvaCore
import ServiceLifecycle
import ProvaStore

/// `GET /v1/events`: server-sent events, filtered, resumable with `Last-Event-ID` (or `from=HEIGHT`) without gaps.
extension APIRouter {
    enum StreamItem: Sendable {
        case event(PositionedEvent)
        case keepAlive
    }

    static func addEventRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        router.get("/v1/events") { request, _ -> Response in
            let filter = EventSelector(task: try HTTP.optionalDigest(request, "task"), worker: try HTTP.optionalAddress(request, "worker"),
                                     account: try HTTP.optionalAddress(request, "account"))
            var resume: (height: UInt64, position: Int)?
            if let lastID = request.headers[HTTPField.Name.lastEventID] {
                guard let parsed = EventStreamID.parse(lastID) else { throw NodeError.badRequest("Last-Event-ID must look like HEIGHT:INDEX") }
                resume = (parsed.height, parsed.index)
            } else if let from = HTTP.query(request, "from") {
                guard let height = UInt64(from) else { throw NodeError.badRequest("from must be a block height") }
                resume = (height == 0 ? 0 : height - 1, Int(Int32.max))
            }
            let start = resume
            let body = ResponseBody { writer in
                // Subscribe before replaying, so nothing committed in between is missed; duplicates are skipped by position.
                let (id, live) = node.subscribe(filter)
                do {
                    var last = start
                    if let from = start {
                        last = try await replay(after: from, filter: filter, node: node, writer: &writer)
                    }
                    try await forward(live, after: last, writer: &writer)
                } catch {
                    node.unsubscribe(id)
                    throw error
                }
                node.unsubscribe(id)
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    static func replay(after start: (height: UInt64, position: Int), filter: EventSelector, node: ValidatorNode,
                       writer: inout any ResponseBodyWriter) async throws -> (height: UInt64, position: Int) {
        var last = start
        while true {
            let page = try node.store.events(after: last.height, position: last.position, task: filter.task, worker: filter.worker,
                                             account: filter.account, limit: 500)
            for item in page {
                try await writer.write(ByteBuffer(string: frame(PositionedEvent(height: item.height, position: item.position, event: item.event))))
                last = (item.height, item.position)
            }
            if page.count < 500 { return last }
        }
    }

    static func forward(_ live: AsyncStream<PositionedEvent>, after last: (height: UInt64, position: Int)?,
                        writer: inout any ResponseBodyWriter) async throws {
        let (merged, continuation) = AsyncStream.makeStream(of: StreamItem.self)
        // Streams never end on their own: on shutdown, end them so the server can drain its connections.
        try await withGracefulShutdownHandler {
            try await pump(live, into: continuation, merged: merged, after: last, writer: &writer)
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    static func pump(_ live: AsyncStream<PositionedEvent>, into continuation: AsyncStream<StreamItem>.Continuation, merged: AsyncStream<StreamItem>,
                     after last: (height: UInt64, position: Int)?, writer: inout any ResponseBodyWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in live { continuation.yield(.event(event)) }
                continuation.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(15))
                    continuation.yield(.keepAlive)
                }
            }
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            for await item in merged {
                switch item {
                case .keepAlive:
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                case .event(let event):
                    if let last, !event.isAfter(height: last.height, position: last.position) { continue }
                    try await writer.write(ByteBuffer(string: frame(event)))
                }
            }
            group.cancelAll()
        }
    }

    static func frame(_ event: PositionedEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(event.event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "id: \(event.id)\nevent: \(event.event.kind.rawValue)\ndata: \(data)\n\n"
    }
}

extension HTTPField.Name {
    /// The SSE resume header.
    static var lastEventID: HTTPField.Name { HTTPField.Name("Last-Event-ID") ?? .accept }
}
