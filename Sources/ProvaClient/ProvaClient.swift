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

    /// The node's base URL, without a trailing `/`.
    public let node: String
    public let httpClient: HTTPClient
    /// Limit for ordinary requests; transfers of blobs and event streams are not bounded by it.
    public var requestTimeout: Duration
    /// Limit for one blob upload or download.
    public var transferTimeout: Duration

    /// - Parameter httpClient: defaults to `HTTPClient.provaDefault`, which fails at once when nothing listens at `node`
    ///   (`HTTPClient.shared` retries refused connections until the request's deadline). Any client works.
    public init(node: String = ProvaClient.defaultNode, httpClient: HTTPClient = .provaDefault,
                requestTimeout: Duration = .seconds(30), transferTimeout: Duration = .seconds(3600)) throws {
        var trimmed = node.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/" else {
            throw ClientError.badNodeURL(node)
        }
        self.node = trimmed
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
        self.transferTimeout = transferTimeout
    }

    // MARK: Plumbing

    /// Sends one request; transport failures become `ClientError`s (cancellation passes through). The status is not checked.
    func execute(_ method: HTTPMethod, _ endpoint: Endpoint, body: HTTPClientRequest.Body? = nil, contentType: String? = nil,
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
    func collect(_ response: HTTPClientResponse, limit: Int = 64 << 20) async throws -> [UInt8] {
        do {
            var buffer = try await response.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as CancellationError {
            throw error
        } catch let error as NIOTooManyBytesError {
            throw ClientError(.tooLarge, "the node's answer is larger than \(limit) bytes; narrow the request (e.g. a smaller limit)", cause: "\(error)")
        } catch {
            throw ClientError.transport(error, node: node)
        }
    }

    /// Throws the node's error for a non-2xx answer.
    func check(_ response: HTTPClientResponse) async throws {
        guard !(200..<300).contains(response.status.code) else { return }
        let body = (try? await collect(response, limit: 1 << 20)) ?? []
        throw ClientError.fromHTTP(status: Int(response.status.code), body: body)
    }

    /// `GET` whose 2xx answer decodes as `Answer`.
    func get<Answer: Decodable>(_ endpoint: Endpoint, as: Answer.Type = Answer.self) async throws -> Answer {
        let response = try await execute(.GET, endpoint, timeout: requestTimeout)
        try await check(response)
        return try decode(Answer.self, from: try await collect(response), route: endpoint)
    }

    /// `POST` of a JSON body whose 2xx answer decodes as `Answer`.
    func post<Answer: Decodable>(_ endpoint: Endpoint, json body: some Encodable, timeout: Duration? = nil,
                                 as: Answer.Type = Answer.self) async throws -> Answer {
        let bytes: Data
        do { bytes = try Self.encoder.encode(body) } catch {
            throw ClientError(.badRequest, "the request could not be encoded as JSON", cause: "\(error)")
        }
        let response = try await execute(.POST, endpoint, body: .bytes(ByteBuffer(bytes: bytes)), contentType: "application/json",
                                         timeout: timeout ?? requestTimeout)
        try await check(response)
        return try decode(Answer.self, from: try await collect(response), route: endpoint)
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
