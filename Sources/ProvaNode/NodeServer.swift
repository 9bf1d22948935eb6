public import Hummingbird
public import Logging
import NIOCore
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

/// A running validator: the HTTP API and block production, shut down together and cleanly on a signal.
public enum NodeServer {
    /// Builds the application serving `node`; `onListening` receives the bound port (useful with port 0).
    public static func application(node: ValidatorNode, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let configuration = node.configuration
        return Application(
            router: APIRouter.make(node: node),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "prova-node"),
            services: [BlockProductionService(node: node)],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Runs until SIGINT or SIGTERM.
    public static func run(node: ValidatorNode, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(node: node, logger: logger, onListening: onListening).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
