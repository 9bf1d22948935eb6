public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProvaCore
import NIOHTTPCompression

/// The Swift SDK of a Prova node's HTTP API (docs/API.md): one method per route, plus helpers that sign and send
/// transactions, move blobs, follow live events and wait for tasks. Every failure is a `ClientError`.
public struct ProvaClient: Sendable {
    /// `http://127.0.0.1:8545`, where `prova devnet` listens.
    public static let defaultNode = "http://127.0.0.1:8545"

    /// The first node URL, without a trailing `/`: the only one unless a list was given.
    public let node: String
    /// Every node URL, in the order given: validators of one chain that requests fail over between
    /// (`ProvaClient+Failover.swift`).
    public let nodes: [String]
    /// The node requests go to first now: the one that answered last. Shared by copies of this client.
    public var currentNode: String { ring.current }
    public let httpClient: HTTPClient
    /// Limit for ordinary requests; transfers of blobs and event streams are not bounded by it.
    public var requestTimeout: Duration
    /// Limit for one blob upload or download.
    public var transferTimeout: Duration
    /// Told when a request or an event stream moves to another node after a failure (for logs).
    public var onNodeSwitch: (@Sendable (NodeSwitch) -> Void)?
    let ring: NodeRing

    /// - Parameter node: one URL, or several separated by commas (`NodeList.parse`).
    /// - Parameter httpClient: defaults to `HTTPClient.provaDefault`, which fails at once when nothing listens at `node`
    ///   (`HTTPClient.shared` retries refused connections until the request's deadline). Any client works.
    public init(node: String = ProvaClient.defaultNode, httpClient: HTTPClient = .provaDefault,
                requestTimeout: Duration = .seconds(30), transferTimeout: Duration = .seconds(3600)) throws {
        try self.init(checkedNodes: NodeList.parse(node), httpClient: httpClient, requestTimeout: requestTimeout, transferTimeout: transferTimeout)
    }

    /// A client of several validators of one chain, tried in this order (`NodeList.validated`).
    public init(nodes: [String], httpClient: HTTPClient = .provaDefault,
                requestTimeout: Duration = .seconds(30), transferTimeout: Duration = .seconds(3600)) throws {
        try self.init(checkedNodes: NodeList.validated(nodes), httpClient: httpClient, requestTimeout: requestTimeout, transferTimeout: transferTimeout)
    }

    private init(checkedNodes nodes: [String], httpClient: HTTPClient, requestTimeout: Duration, transferTimeout: Duration) throws {
        guard let first = nodes.first else { throw ClientError.badNodeURL("") }
        self.node = first
        self.nodes = nodes
        self.ring = NodeRing(nodes)
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
        self.transferTimeout = transferTimeout
    }

    // MARK: Plumbing

    /// Sends one request, failing over to the next node on a transport failure or a 503; transport failures become
    /// `ClientError`s (cancellation passes through). Other statuses are not checked. A streamed body must be one that
    /// can be read again from the start (`FileChunks` is).
    func execute(_ method: HTTPMethod, _ endpoint: Endpoint, body: HTTPClientRequest.Body? = nil, contentType: String? = nil,
                 headers extra: [(String, String)] = [], timeout: Duration?) async throws -> HTTPClientResponse {
        try await failingOver { node in
            let response = try await execute(method, endpoint, on: node, body: body, contentType: contentType, headers: extra, timeout: timeout)
            if response.status.code == 503 { try await check(response, from: node) }
            return response
        }
    }

    /// Sends one request to `node`, without failover.
    func execute(_ method: HTTPMethod, _ endpoint: Endpoint, on node: String, body: HTTPClientRequest.Body? = nil, contentType: String? = nil,
                 headers extra: [(String, String)] = [], timeout: Duration?) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: node + endpoint.pathAndQuery)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = body
        let deadline = timeout.map { NIODeadline.now() + $0.timeAmount } ?? .distantFuture
        do {
            return try await httpClient.execute(request, deadline: deadline)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw ClientError.transport(error, node: node)
        }
    }

    /// Reads a whole (small) body; transport failures while reading become `ClientError`s.
    /// `node` (for messages) defaults to the preferred node, which is the one that just answered.
    func collect(_ response: HTTPClientResponse, limit: Int = 64 << 20, from node: String? = nil) async throws -> [UInt8] {
        do {
            var buffer = try await response.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as CancellationError {
            throw error
        } catch let error as NIOTooManyBytesError {
            throw ClientError(.tooLarge, "the node's answer is larger than \(limit) bytes; narrow the request (e.g. a smaller limit)", cause: "\(error)")
        } catch {
            throw ClientError.transport(error, node: node ?? currentNode)
        }
    }

    /// Throws the node's error for a non-2xx answer.
    func check(_ response: HTTPClientResponse, from node: String? = nil) async throws {
        guard !(200..<300).contains(response.status.code) else { return }
        let body = (try? await collect(response, limit: 1 << 20, from: node)) ?? []
        throw ClientError.fromHTTP(status: Int(response.status.code), body: body)
    }

    /// `GET` whose 2xx answer decodes as `Answer`.
    func get<Answer: Decodable>(_ endpoint: Endpoint, as: Answer.Type = Answer.self) async throws -> Answer {
        try await failingOver { node in
            let response = try await execute(.GET, endpoint, on: node, timeout: requestTimeout)
            try await check(response, from: node)
            return try decode(Answer.self, from: try await collect(response, from: node), route: endpoint)
        }
    }

    /// `POST` of a JSON body whose 2xx answer decodes as `Answer`.
    func post<Answer: Decodable>(_ endpoint: Endpoint, json body: some Encodable, timeout: Duration? = nil,
                                 as: Answer.Type = Answer.self) async throws -> Answer {
        let bytes: Data
        do { bytes = try Self.encoder.encode(body) } catch {
            throw ClientError(.badRequest, "the request could not be encoded as JSON", cause: "\(error)")
        }
        // Failing over resends the same bytes; for a signed transaction that is safe (a node answers a known one with its status).
        return try await failingOver { node in
            let response = try await execute(.POST, endpoint, on: node, body: .bytes(ByteBuffer(bytes: bytes)), contentType: "application/json",
                                             timeout: timeout ?? requestTimeout)
            try await check(response, from: node)
            return try decode(Answer.self, from: try await collect(response, from: node), route: endpoint)
        }
    }

    func decode<Answer: Decodable>(_ type: Answer.Type, from bytes: [UInt8], route: Endpoint) throws -> Answer {
        do {
            return try Self.decoder.decode(Answer.self, from: Data(bytes))
        } catch {
            throw ClientError(.badAnswer, "the node's answer to \(route.pathAndQuery) is not the expected \(Answer.self); are the node and this client the same version?",
                              cause: "\(error)")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()
}

extension Duration {
    /// NIO's time type, saturating rather than trapping on very long durations.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .nanoseconds(Int64.max) : .nanoseconds(nanos &+ attoseconds / 1_000_000_000)
    }
}

extension HTTPClient {
    /// The client `ProvaClient` uses unless given another: connection failures are reported at once instead of being
    /// retried until the deadline, and there is no read timeout (event streams stay open; each request has its own deadline).
    public static let provaDefault: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: nil))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .enabled(limit: .ratio(25))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
