public import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOHTTP1
import NIOCore
import NIOHTTP1
import ProvaCore
import Synchronization

/// The part of etcd's v3 API a validator cluster uses, over etcd's JSON gateway (`/v3/kv/*`, `/v3/lease/*`,
/// `/v3/watch`): ranges, compare-and-swap transactions, leases and watches. Hand-written over HTTP because no
/// maintained Swift etcd client exists; the gateway is etcd's documented, stable JSON mapping of the same gRPC API.
///
/// Every call goes to the endpoint that answered last and moves to the next one when it cannot be reached, so a
/// validator keeps working while a minority of etcd members is down.
public struct EtcdClient: Sendable {
    public let endpoints: [String]
    let httpClient: HTTPClient
    /// Index of the endpoint that answered last, shared by copies.
    private let preferred: PreferredEndpoint
    /// Limit for one unary call; a watch has none.
    let callTimeout: Duration

    public init(endpoints: [String], httpClient: HTTPClient = .etcdDefault, callTimeout: Duration = .seconds(5)) throws {
        let trimmed = endpoints.map { endpoint in
            var text = endpoint.trimmingCharacters(in: .whitespaces)
            while text.hasSuffix("/") { text.removeLast() }
            return text
        }
        guard !trimmed.isEmpty else {
            throw NodeError(.badRequest, .etcdFailed, "no etcd endpoint given; pass --etcd http://HOST:2379[,http://HOST:2379…]")
        }
        for endpoint in trimmed {
            guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
                throw NodeError(.badRequest, .etcdFailed, "etcd endpoint \(endpoint) is not a URL; write e.g. http://127.0.0.1:2379")
            }
        }
        self.endpoints = trimmed
        self.httpClient = httpClient
        self.callTimeout = callTimeout
        preferred = PreferredEndpoint()
    }

    // MARK: Keys and values

    /// The keys in `[key, rangeEnd)` (just `key` when `rangeEnd` is nil), in key order, at most `limit` (0: all).
    public func range(_ key: [UInt8], end rangeEnd: [UInt8]? = nil, limit: Int = 0) async throws -> EtcdRange {
        var body: [String: Any] = ["key": Self.base64(key)]
        if let rangeEnd { body["range_end"] = Self.base64(rangeEnd) }
        if limit > 0 { body["limit"] = "\(limit)" }
        let answer = try await call("/v3/kv/range", body)
        let values = try (answer["kvs"] as? [[String: Any]] ?? []).map(EtcdKeyValue.init(json:))
        return EtcdRange(values: values, revision: Self.revision(of: answer), more: answer["more"] as? Bool ?? false)
    }

    public func put(_ key: [UInt8], _ value: [UInt8], lease: Int64? = nil) async throws {
        var body: [String: Any] = ["key": Self.base64(key), "value": Self.base64(value)]
        if let lease { body["lease"] = "\(lease)" }
        _ = try await call("/v3/kv/put", body)
    }

    /// Applies `success` if every comparison holds, else `failure`, atomically; answers whether the comparisons held.
    public func transaction(comparing compares: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) async throws -> Bool {
        let body: [String: Any] = [
            "compare": compares.map(\.json),
            "success": success.map(\.json),
            "failure": failure.map(\.json),
        ]
        let answer = try await call("/v3/kv/txn", body)
        return answer["succeeded"] as? Bool ?? false
    }

    // MARK: Leases

    /// A lease that expires `ttlSeconds` after its last keep-alive; keys put with it go with it.
    public func grantLease(ttlSeconds: Int) async throws -> Int64 {
        let answer = try await call("/v3/lease/grant", ["TTL": "\(ttlSeconds)"])
        guard let text = answer["ID"] as? String, let id = Int64(text) else {
            throw NodeError(.internalServerError, .etcdFailed, "etcd granted a lease without an ID; is this etcd 3.4 or later?")
        }
        return id
    }

    /// Renews the lease; throws when it has already expired.
    public func keepAlive(lease: Int64) async throws {
        // The gateway maps this streaming call to one request and a stream of answers: read the first and hang up.
        let line = try await firstLine(of: "/v3/lease/keepalive", ["ID": "\(lease)"])
        let result = line["result"] as? [String: Any] ?? [:]
        guard let ttl = (result["TTL"] as? String).flatMap(Int64.init), ttl > 0 else {
            throw NodeError(.serviceUnavailable, .etcdFailed, "etcd lease \(lease) has expired; a new one is granted")
        }
    }

    // MARK: Watching

    /// The changes to keys in `[key, rangeEnd)` from `revision` on, as they happen, until the task is cancelled or the
    /// connection fails (the stream then throws; start a new watch from the last revision seen).
    public func watch(_ key: [UInt8], end rangeEnd: [UInt8], fromRevision revision: Int64) -> AsyncThrowingStream<EtcdWatchEvent, any Error> {
        let body: [String: Any] = ["create_request": ["key": Self.base64(key), "range_end": Self.base64(rangeEnd), "start_revision": "\(revision)"]]
        let payload = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        return AsyncThrowingStream { continuation in
            // The stream's one producer; it ends with the consumer (onTermination cancels it). A stream rather than a
            // callback keeps the caller's loop structured.
            let producer = Task {
                do {
                    try await streamLines(of: "/v3/watch", payload) { line in
                        guard let result = line["result"] as? [String: Any] else { return }
                        if let compacted = (result["compact_revision"] as? String).flatMap(Int64.init), compacted > 0 {
                            throw NodeError(.serviceUnavailable, .etcdFailed, "etcd compacted revisions before \(compacted); the watch starts again from the current state")
                        }
                        let header = result["header"] as? [String: Any] ?? [:]
                        let at = (header["revision"] as? String).flatMap(Int64.init) ?? 0
                        for event in result["events"] as? [[String: Any]] ?? [] {
                            let value = try EtcdKeyValue(json: event["kv"] as? [String: Any] ?? [:])
                            continuation.yield(event["type"] as? String == "DELETE" ? .deleted(value, revision: at) : .put(value, revision: at))
                        }
                        if result["created"] as? Bool == true { continuation.yield(.started(revision: at)) }
                    }
                    continuation.finish(throwing: NodeError(.serviceUnavailable, .etcdUnavailable, "the etcd watch ended; it starts again"))
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
    }

    // MARK: Plumbing

    /// One unary call, on each endpoint in turn from the preferred one until one answers.
    func call(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: body)
        var lastError: (any Error)?
        for endpoint in preferred.rotation(of: endpoints) {
            do {
                var request = HTTPClientRequest(url: endpoints[endpoint] + path)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: payload))
                let response = try await httpClient.execute(request, deadline: .now() + .seconds(callTimeout.components.seconds))
                var buffer = try await response.body.collect(upTo: 64 << 20)
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                let answer = try Self.object(bytes)
                guard response.status == .ok else {
                    let message = answer["message"] as? String ?? answer["error"] as? String ?? "HTTP \(response.status.code)"
                    // A member that lost its quorum answers 503-ish errors; another may still have one.
                    if response.status.code >= 500, message.contains("leader") || message.contains("timed out") || message.contains("unavailable") {
                        lastError = NodeError(.serviceUnavailable, .etcdUnavailable, "etcd at \(endpoints[endpoint]): \(message)")
                        continue
                    }
                    throw NodeError(.internalServerError, .etcdFailed, "etcd refused \(path): \(message)")
                }
                preferred.set(endpoint)
                return answer
            } catch let error as CancellationError {
                throw error
            } catch let error as NodeError where error.code == .etcdFailed {
                throw error
            } catch {
                lastError = error
            }
        }
        throw NodeError(.serviceUnavailable, .etcdUnavailable,
                        "no etcd member answers (\(endpoints.joined(separator: ", "))); start a majority of the cluster's etcd members",
                        cause: lastError.map { "\($0)" })
    }

    /// The first answer of a streaming call.
    private func firstLine(of path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var first: [String: Any]?
        do {
            try await streamLines(of: path, try JSONSerialization.data(withJSONObject: body), deadline: .now() + .seconds(callTimeout.components.seconds)) { line in
                first = line
                throw FirstLineRead()
            }
        } catch is FirstLineRead {}
        guard let first else {
            throw NodeError(.serviceUnavailable, .etcdUnavailable, "etcd closed \(path) without an answer")
        }
        return first
    }

    /// Sends one request to a streaming call and hands each newline-delimited JSON answer to `handle`.
    private func streamLines(of path: String, _ payload: Data, deadline: NIODeadline = .distantFuture,
                             _ handle: ([String: Any]) throws -> Void) async throws {
        var lastError: (any Error)?
        for endpoint in preferred.rotation(of: endpoints) {
            var request = HTTPClientRequest(url: endpoints[endpoint] + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: payload))
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, deadline: deadline)
            } catch let error as CancellationError {
                throw error
            } catch {
                lastError = error
                continue
            }
            guard response.status == .ok else {
                lastError = NodeError(.serviceUnavailable, .etcdUnavailable, "etcd at \(endpoints[endpoint]) answered \(path) with HTTP \(response.status.code)")
                continue
            }
            preferred.set(endpoint)
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    guard !line.isEmpty else { continue }
                    let object = try Self.object(line)
                    if let error = object["error"] as? [String: Any] {
                        throw NodeError(.serviceUnavailable, .etcdUnavailable, "etcd stream \(path) failed: \(error["message"] as? String ?? "unknown")")
                    }
                    try handle(object)
                }
                guard pending.count <= 64 << 20 else {
                    throw NodeError(.internalServerError, .etcdFailed, "an etcd stream answer exceeds 64 MiB")
                }
            }
            return
        }
        throw NodeError(.serviceUnavailable, .etcdUnavailable,
                        "no etcd member answers (\(endpoints.joined(separator: ", "))); start a majority of the cluster's etcd members",
                        cause: lastError.map { "\($0)" })
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw NodeError(.internalServerError, .etcdFailed, "etcd answered with something that is not a JSON object; is the endpoint an etcd client URL?")
        }
        return object
    }

    static func revision(of answer: [String: Any]) -> Int64 {
        ((answer["header"] as? [String: Any])?["revision"] as? String).flatMap(Int64.init) ?? 0
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The end of the range holding every key that starts with `prefix` (etcd's `--prefix`).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}

private struct FirstLineRead: Error {}

/// The endpoint to try first, shared by the copies of one client.
private final class PreferredEndpoint: Sendable {
    private let index = Mutex(0)

    func rotation(of endpoints: [String]) -> [Int] {
        let start = index.withLock { $0 } % max(endpoints.count, 1)
        return (0..<endpoints.count).map { (start + $0) % endpoints.count }
    }

    func set(_ value: Int) { index.withLock { $0 = value } }
}

public struct EtcdKeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var createRevision: Int64
    public var modRevision: Int64

    init(json: [String: Any]) throws {
        func bytes(_ name: String) throws -> [UInt8] {
            guard let text = json[name] as? String else { return [] }
            guard let data = Data(base64Encoded: text) else {
                throw NodeError(.internalServerError, .etcdFailed, "etcd sent a \(name) that is not base64")
            }
            return Array(data)
        }
        key = try bytes("key")
        value = try bytes("value")
        createRevision = (json["create_revision"] as? String).flatMap(Int64.init) ?? 0
        modRevision = (json["mod_revision"] as? String).flatMap(Int64.init) ?? 0
    }
}

public struct EtcdRange: Sendable {
    public var values: [EtcdKeyValue]
    /// The store's revision the range was read at: a watch from `revision + 1` misses nothing after it.
    public var revision: Int64
    public var more: Bool
}

public enum EtcdWatchEvent: Sendable {
    case started(revision: Int64)
    case put(EtcdKeyValue, revision: Int64)
    case deleted(EtcdKeyValue, revision: Int64)
}

/// One comparison of a transaction.
public enum EtcdCompare: Sendable {
    /// The key does not exist (its create revision is 0).
    case absent([UInt8])
    /// The key exists and holds exactly `value`.
    case equals([UInt8], value: [UInt8])

    var json: [String: Any] {
        switch self {
        case .absent(let key):
            ["target": "CREATE", "key": EtcdClient.base64(key), "create_revision": "0", "result": "EQUAL"]
        case .equals(let key, let value):
            ["target": "VALUE", "key": EtcdClient.base64(key), "value": EtcdClient.base64(value), "result": "EQUAL"]
        }
    }
}

/// One operation of a transaction.
public enum EtcdOperation: Sendable {
    case put([UInt8], [UInt8])
    case delete([UInt8])

    var json: [String: Any] {
        switch self {
        case .put(let key, let value):
            ["request_put": ["key": EtcdClient.base64(key), "value": EtcdClient.base64(value)]]
        case .delete(let key):
            ["request_delete_range": ["key": EtcdClient.base64(key)]]
        }
    }
}

extension HTTPClient {
    /// The client for etcd: refused connections fail at once (the next member is tried), no read timeout (watches stay open).
    public static let etcdDefault: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: nil))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
