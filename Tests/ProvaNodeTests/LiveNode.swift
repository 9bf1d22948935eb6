import AsyncHTTPClient
import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaLedger
import ProvaNode
import ProvaTesting
import ServiceLifecycle
import Testing
import NIOCore
import NIOHTTP1

/// A validator node running in this process on a free port, with genesis workers whose keys the test holds.
struct LiveNode: Sendable {
    let url: String
    let node: ValidatorNode
    let client: ProvaClient
    let workers: [AccountKey]
    let user: AccountKey
    let chainID: String
    let directory: URL

    /// Starts a node, runs `body` against it, then shuts it down gracefully and removes its files.
    static func with<T: Sendable>(workers count: Int = 6, parameters: ChainParameters = .genesisDefaults,
                                  _ body: @Sendable (LiveNode) async throws -> T) async throws -> T {
        let files = try TestChainFiles(workers: count, parameters: parameters)
        defer { files.remove() }
        let directory = files.directory
        var logger = Logger(label: "prova.test.node")
        logger.logLevel = .warning
        let node = try ValidatorNode(configuration: NodeConfiguration(dataDirectory: directory, port: 0), logger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = NodeServer.application(node: node, logger: logger) { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ClientError(.noPort, "the node did not start listening") }
            let url = "http://127.0.0.1:\(port)"
            let live = LiveNode(url: url, node: node, client: try ProvaClient(node: url), workers: files.workers, user: files.user, chainID: files.chainID,
                                directory: directory)
            do {
                let result = try await body(live)
                await group.triggerGracefulShutdown()
                for try await _ in tasks {}
                return result
            } catch {
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }

    func sign(_ body: TransactionBody, by key: AccountKey, nonce: UInt64) throws -> SignedTransaction {
        try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: nonce, body: body).signed(by: key)
    }

    /// The chain the node serves (ID and genesis hash), which every signature covers.
    var chain: ChainIdentity { node.genesis.identity }

    /// Raw HTTP for malformed requests the SDK would never send.
    func raw(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = "application/json",
             headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url + path)
        request.method = .init(rawValue: method)
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// The `code` of a `{code, message}` error body, as the wire spells it.
    static func errorCode(_ body: String) -> String? {
        (try? JSONDecoder().decode(APIError.self, from: Data(body.utf8)))?.code.rawValue
    }
}
