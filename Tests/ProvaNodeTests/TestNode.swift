import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ProvaCore
import ProvaNode
import ProvaTesting
import Synchronization
import Testing

/// How a test body reaches the node: straight into the router in memory, or through a live HTTP server on a port.
/// Either way the application's services (block production) run, and the body speaks the same `TestClientProtocol`.
enum Fidelity: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case router, live

    var setup: TestingSetup {
        switch self {
        case .router: .router
        case .live: .live
        }
    }

    var testDescription: String { rawValue }
}

/// One answer of the node, as raw as the wire: status and body.
struct HTTPAnswer: Sendable {
    let status: Int
    let body: String
    var headers: HTTPFields = [:]

    /// The `code` of a `{code, message}` error body, as the wire spells it.
    var errorCode: String? {
        (try? JSONDecoder().decode(APIError.self, from: Data(body.utf8)))?.code.rawValue
    }
}

/// The node answered with a status the caller did not expect.
struct HTTPRefusal: Error, CustomStringConvertible {
    let method: HTTPRequest.Method
    let path: String
    let answer: HTTPAnswer

    var status: Int { answer.status }
    var code: String? { answer.errorCode }
    var description: String { "\(method) \(path) answered \(answer.status): \(answer.body.prefix(2_000))" }
}

/// A validator on a fresh chain, served by `NodeServer.application` at one fidelity, and the raw HTTP a test speaks
/// to it: requests and JSON bodies decoded into ProvaCore's types, nothing of the SDK.
struct TestNode: Sendable {
    let client: any TestClientProtocol
    let node: ValidatorNode
    let files: TestChainFiles
    /// The node's clock when the test drives it; nil when the node runs on the system clock.
    let clock: ManualClock?

    var user: AccountKey { files.user }
    var workers: [AccountKey] { files.workers }
    var chainID: String { files.chainID }
    var chain: ChainIdentity { files.chain }

    /// Opens a node on a fresh chain (on `clock`, else on the system clock), runs `body` against its application at
    /// `fidelity`, then shuts it down gracefully and removes its files.
    static func with<T: Sendable>(_ fidelity: Fidelity, workers count: Int = 6, parameters: ChainParameters = .genesisDefaults,
                                  clock: ManualClock? = nil, configure: (inout NodeConfiguration) -> Void = { _ in },
                                  files given: TestChainFiles? = nil,
                                  _ body: @Sendable (TestNode) async throws -> T) async throws -> T {
        let files = try given ?? TestChainFiles(workers: count, parameters: parameters)
        defer { if given == nil { files.remove() } }
        var logger = Logger(label: "prova.test.node")
        logger.logLevel = .warning
        var configuration = NodeConfiguration(dataDirectory: files.directory, port: 0)
        configure(&configuration)
        let node = try ValidatorNode(configuration: configuration, logger: logger,
                                     clock: clock ?? SystemBlockClock())
        let application = NodeServer.application(node: node, logger: logger)
        return try await application.test(fidelity.setup) { client in
            try await body(TestNode(client: client, node: node, files: files, clock: clock))
        }
    }

    func sign(_ body: TransactionBody, by key: AccountKey, nonce: UInt64) throws -> SignedTransaction {
        try files.sign(body, by: key, nonce: nonce)
    }

    // MARK: Raw HTTP

    func request(_ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [], contentType: String? = "application/json",
                 headers extra: HTTPFields = [:]) async throws -> HTTPAnswer {
        var headers = extra
        if let contentType { headers[.contentType] = contentType }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(bytes: body))
        return HTTPAnswer(status: Int(response.status.code), body: String(buffer: response.body), headers: response.headers)
    }

    /// `GET path`, which must answer 200 with a `T`.
    func get<T: Decodable>(_ path: String, as type: T.Type = T.self) async throws -> T {
        let answer = try await request(.get, path, contentType: nil)
        guard answer.status == 200 else { throw HTTPRefusal(method: .get, path: path, answer: answer) }
        return try JSONDecoder().decode(T.self, from: Data(answer.body.utf8))
    }

    /// `POST /v1/transactions` (with `?wait=commit` when asked): the transaction's status on 200 or 202; any other
    /// answer — a refusal on entry, or a rejection in its block — throws `HTTPRefusal`.
    func submit(_ transaction: SignedTransaction, waitForCommit: Bool = false, timeoutSeconds: Int? = nil) async throws -> (status: Int, transaction: TransactionStatus) {
        var path = "/v1/transactions"
        if waitForCommit { path += "?wait=commit" + (timeoutSeconds.map { "&timeout=\($0)" } ?? "") }
        let answer = try await request(.post, path, body: Array(try JSONEncoder().encode(transaction)))
        guard answer.status == 200 || answer.status == 202 else { throw HTTPRefusal(method: .post, path: path, answer: answer) }
        return (answer.status, try JSONDecoder().decode(TransactionStatus.self, from: Data(answer.body.utf8)))
    }

    /// Signs `body` at the sender's next nonce (as the node reports it) and submits it with `?wait=commit`; it must commit.
    @discardableResult
    func send(_ body: TransactionBody, by key: AccountKey) async throws -> TransactionStatus {
        let nonce = try await account(key.address).nextNonce
        return try await commit(try sign(body, by: key, nonce: nonce))
    }

    /// Submits `transaction` with `?wait=commit`; it must commit. On a manual clock, first submits it without waiting
    /// and moves the clock by `minBlockInterval`, so the block loop has a block due (with everything waiting so far).
    @discardableResult
    func commit(_ transaction: SignedTransaction) async throws -> TransactionStatus {
        if let clock {
            _ = try await submit(transaction)
            clock.advance(by: files.parameters.minBlockIntervalMilliseconds)
        }
        let answer = try await submit(transaction, waitForCommit: true)
        guard answer.status == 200, answer.transaction.status == .committed else {
            throw HTTPRefusal(method: .post, path: "/v1/transactions?wait=commit", answer: HTTPAnswer(status: answer.status, body: "\(answer.transaction)"))
        }
        return answer.transaction
    }

    /// Waits for the next block: on a manual clock, moves the clock by `minBlockInterval` first. After a request or a
    /// delivery, this is the block whose beacon draws its provers or verifiers (docs/PROTOCOL.md "Beacon").
    func nextBlock() async throws {
        let height = try await status().height
        let blocks = node.committedHeights()
        clock?.advance(by: files.parameters.minBlockIntervalMilliseconds)
        try await ProvaTesting.eventually("block \(height + 1)", over: blocks) { try await status().height > height }
    }

    func status() async throws -> ChainStatus { try await get("/v1/status") }
    func account(_ address: Address) async throws -> AccountView { try await get("/v1/accounts/\(address)") }
    func task(_ id: TaskID) async throws -> TaskRecord { try await get("/v1/tasks/\(id)") }
    func tasks(requester: Address) async throws -> [TaskRecord] { try await get("/v1/tasks?requester=\(requester)") }
    func worker(_ address: Address) async throws -> Worker { try await get("/v1/workers/\(address)") }
    func transaction(_ hash: TransactionHash) async throws -> TransactionStatus { try await get("/v1/transactions/\(hash)") }
    func block(_ height: UInt64) async throws -> BlockDetail { try await get("/v1/blocks/\(height)") }
    func stats() async throws -> NetworkStats { try await get("/v1/stats") }

    // MARK: Waiting on the node's own events

    /// The node's committed events matching `selector`, from the next block published on. Open it before the action
    /// whose events it should see.
    func events(_ selector: EventSelector = EventSelector()) -> AsyncStream<PositionedEvent> {
        node.subscribe(selector).stream
    }

    /// Waits until `condition` holds, re-checking it after every committed event matching `selector`.
    func eventually(_ what: String, events selector: EventSelector = EventSelector(),
                    until condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await ProvaTesting.eventually(what, over: events(selector), until: condition)
    }

    /// The first event of `stream` that `matches`.
    func first(_ what: String, in stream: AsyncStream<PositionedEvent>,
               where matches: @escaping @Sendable (PositionedEvent) -> Bool) async throws -> PositionedEvent {
        let found = FirstMatch()
        let marked = stream.map { event in
            if matches(event) { found.offer(event) }
            return event
        }
        try await ProvaTesting.eventually(what, over: marked) { found.event != nil }
        return try #require(found.event, "\(what)")
    }
}

/// The first event offered, kept.
private final class FirstMatch: Sendable {
    private let value = Mutex<PositionedEvent?>(nil)

    var event: PositionedEvent? { value.withLock { $0 } }

    func offer(_ event: PositionedEvent) {
        value.withLock { $0 = $0 ?? event }
    }
}

/// Waits, without polling, until something sleeps on `clock` until `deadline` (the block loop gone to sleep).
func sleeping(on clock: ManualClock, until deadline: Milliseconds) async throws {
    try await eventually("something sleeps until \(deadline)", over: clock.changes(), describe: { "deadlines \(clock.deadlines)" }) {
        clock.deadlines.contains(deadline)
    }
}
