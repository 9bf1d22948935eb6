import AsyncHTTPClient
import Logging
import NIOCore
import ProvaNode
import ServiceLifecycle

/// Serves `node` over HTTP on a free port with an HTTP client of `connections` per host, runs `body` with the node's URL
/// and the client, then shuts both down (also when `body` throws).
func withServedNode<T: Sendable>(_ node: ValidatorNode, logger: Logger, connections: Int,
                                 _ body: @Sendable (String, HTTPClient) async throws -> T) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let application = NodeServer.application(node: node, logger: logger) { continuation.yield($0) }
    let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        let result: T
        do {
            guard let port = await iterator.next() else { throw BenchError("the node did not start") }
            result = try await body("http://127.0.0.1:\(port)", client)
        } catch {
            await group.triggerGracefulShutdown()
            try? await client.shutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await client.shutdown()
        for try await _ in tasks {}
        return result
    }
}
