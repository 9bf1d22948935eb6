import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay on 127.0.0.1 for tests: every connection made to `url` is forwarded to a target port on 127.0.0.1,
/// until `cut()` closes the listener and every open connection — a node dropping off the network, as its clients
/// see it: the streams they hold end, and new connections are refused.
public final class TCPRelay: Sendable {
    public let port: Int
    /// `http://127.0.0.1:PORT`: a node URL that reaches the target through this relay.
    public var url: String { "http://127.0.0.1:\(port)" }
    private let state: Mutex<State>

    private struct State {
        var isCut = false
        var channels: [any Channel]
    }

    private typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    private init(port: Int, listener: any Channel) {
        self.port = port
        self.state = Mutex(State(channels: [listener]))
    }

    /// Listens on a free port and forwards to `target` while `body` runs; cut (closed) when `body` returns or throws.
    public static func with<T: Sendable>(forwardingTo target: Int, _ body: @Sendable (TCPRelay) async throws -> T) async throws -> T {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture { try Connection(wrappingChannelSynchronously: channel) }
            }
        guard let port = server.channel.localAddress?.port else {
            server.channel.close(promise: nil)
            throw TCPRelayError(description: "the relay's listener has no port")
        }
        let relay = TCPRelay(port: port, listener: server.channel)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await relay.serve(server, target: target) }
            let result: Result<T, any Error>
            do { result = .success(try await body(relay)) } catch { result = .failure(error) }
            relay.cut()
            // The listener and every connection are closed: the accept loop and the pumps end.
            try? await group.waitForAll()
            return try result.get()
        }
    }

    /// A port on 127.0.0.1 where nothing listens (it was bound and closed again): a node URL that refuses connections.
    public static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        channel.close(promise: nil)
        try await channel.closeFuture.get()
        guard let port else { throw TCPRelayError(description: "the probe listener had no port") }
        return port
    }

    /// Closes the listener and every relayed connection; later connections to `port` are refused.
    public func cut() {
        let channels = state.withLock { state in
            state.isCut = true
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Remembers a channel to close on `cut()`; false (and closed) when the relay is cut already.
    private func track(_ channel: any Channel) -> Bool {
        let kept = state.withLock { state in
            guard !state.isCut else { return false }
            state.channels.append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
        return kept
    }

    private func serve(_ server: NIOAsyncChannel<Connection, Never>, target: Int) async throws {
        try await withThrowingDiscardingTaskGroup { connections in
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    connections.addTask { try? await self.forward(connection, to: target) }
                }
            }
        }
    }

    /// Copies bytes both ways between `connection` and a new connection to `target`, until either side closes.
    /// Every accepted connection goes through `executeThenClose`, which finishes its writer, whatever happens.
    private func forward(_ connection: Connection, to target: Int) async throws {
        try await connection.executeThenClose { clientInbound, clientOutbound in
            guard track(connection.channel) else { return }
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: target) { channel in
                    channel.eventLoop.makeCompletedFuture { try Connection(wrappingChannelSynchronously: channel) }
                }
            try await upstream.executeThenClose { upstreamInbound, upstreamOutbound in
                guard track(upstream.channel) else { return }
                try await withThrowingTaskGroup(of: Void.self) { pumps in
                    pumps.addTask { for try await bytes in clientInbound { try await upstreamOutbound.write(bytes) } }
                    pumps.addTask { for try await bytes in upstreamInbound { try await clientOutbound.write(bytes) } }
                    // One side closed: close both.
                    _ = try await pumps.next()
                    pumps.cancelAll()
                }
            }
        }
    }
}

public struct TCPRelayError: Error, CustomStringConvertible {
    public let description: String
}
