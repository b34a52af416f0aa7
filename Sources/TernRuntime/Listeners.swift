// Listening sockets for a daemon: the ones systemd passed under a name, or, without
// socket activation, a fallback address bound here.
import Glibc
import Logging
import NIOCore
import NIOPosix
import Systemd

/// A bound listener yielding connections of type `Connection`.
public typealias Listener<Connection: Sendable> = NIOAsyncChannel<Connection, Never>

public enum Listeners {
    /// Adopts the sockets systemd passed as `name`, or binds `fallback` when there are none.
    /// - Parameters:
    ///   - sockets: what systemd passed (`ListenSockets.fromEnvironment()`).
    ///   - initializer: sets up each accepted connection's pipeline.
    /// - Throws: NIO's errors from adopting or binding.
    public static func open<Connection: Sendable>(
        _ name: String, from sockets: ListenSockets, fallback: ListenAddress?, logger: Logger,
        initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Connection>
    ) async throws -> [Listener<Connection>] {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let descriptors = sockets.descriptors(named: name)
        if !descriptors.isEmpty {
            var listeners: [Listener<Connection>] = []
            for fd in descriptors {
                listeners.append(try await bootstrap.bind(fd, childChannelInitializer: initializer))
                // NIO re-issues listen(fd, 128); give back the backlog systemd chose.
                _ = listen(fd, SOMAXCONN)
            }
            logger.info("adopted socket-activated listener", metadata: ["socket.name": "\(name)", "socket.count": "\(descriptors.count)"])
            return listeners
        }
        guard let fallback else { return [] }
        let listener: Listener<Connection>
        switch fallback {
        case .unix(let path):
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: initializer)
        case .tcp(let host, let port):
            listener = try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
        }
        logger.info("listening without socket activation", metadata: ["socket.name": "\(name)", "socket.address": "\(fallback)"])
        return [listener]
    }
}
