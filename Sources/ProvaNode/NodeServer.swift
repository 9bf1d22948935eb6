public import Hummingbird
public import Logging
import NIOCore
import ProvaCore
public import ServiceLifecycle
import UnixSignals

/// Block production as a service: on SIGINT/SIGTERM it finishes the block in progress, then returns.
public struct BlockProductionService: Service {
    let node: ValidatorNode

    public init(node: ValidatorNode) { self.node = node }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await node.runBlockProduction()
        } onGracefulShutdown: {
            node.requestStop()
        }
    }
}

/// Removes blobs nothing references once they are older than the grace period, every `blobCollectionInterval` on the
/// node's clock; stops at graceful shutdown.
public struct BlobCollectionService: Service {
    let node: ValidatorNode

    public init(node: ValidatorNode) { self.node = node }

    public func run() async throws {
        let interval = node.configuration.blobCollectionIntervalMilliseconds
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await node.clock.sleep(until: node.clock.monotonicMilliseconds() + interval)
                do {
                    try await node.collectUnreferencedBlobs()
                } catch {
                    node.logger.warning("blob collection failed; it runs again later", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// A running validator: the HTTP API and block production, shut down together and cleanly on a signal.
public enum NodeServer {
    /// Builds the application serving `node`; `onListening` receives the bound port (useful with port 0).
    public static func application(node: ValidatorNode, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let configuration = node.configuration
        return Application(
            router: APIRouter.make(node: node),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "prova-node"),
            services: [BlockProductionService(node: node), BlobCollectionService(node: node)],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM.
    public static func run(node: ValidatorNode, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(node: node, logger: logger, onListening: onListening).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
