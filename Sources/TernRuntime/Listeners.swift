// Listening sockets for a daemon: the ones systemd passed under a name, or, without
// socket activation, a fallback address bound here. Accepted connections are read from
// a `ChannelInbox` at the end of the listening channel's pipeline, not from
// NIOAsyncChannel's stream: its generic code, not specialized for our connection types,
// and its transformation future per connection cost about a tenth of tern-submitd's
// instructions per message (callgrind), tern-submitd taking one connection per message
// from smtp-source.
//
// The listening pipeline is AcceptBackoffHandler, NIO's AcceptHandler, AcceptFailures,
// then the inbox. AcceptHandler passes an accepted channel on only once the initializer
// has set it up, so the inbox must come after it: before it (as it once was), `next()`
// could take a channel whose connection was not made yet, skip it and wait for ever,
// leaving that client unserved. The inbox is added once NIO has added AcceptHandler, with
// accepting held back (autoRead off) until it is there.
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Systemd

/// A bound listening socket and the connections accepted on it.
public final class Listener<Connection: Sendable>: Sendable {
    /// The listening channel; closing it ends the accepting.
    public let channel: any Channel
    /// The accepted channels, once set up by the initializer, in the order they were ready.
    private let accepted: ChannelInbox<any Channel>
    /// Each accepted channel's connection, made by the initializer, until `next()` takes it
    /// (one set up just as the listener closed, which NIO then closes without passing it
    /// on, stays here until the listener goes).
    private let made: NIOLockedValueBox<[ObjectIdentifier: Connection]>

    fileprivate init(channel: any Channel, accepted: ChannelInbox<any Channel>, made: NIOLockedValueBox<[ObjectIdentifier: Connection]>) {
        self.channel = channel
        self.accepted = accepted
        self.made = made
    }

    /// The next connection accepted and set up; nil once the listening channel is closed.
    /// For one task at a time. A failed accept(2) or set-up does not end it: it is logged
    /// and the connection, if any, closed.
    /// - Throws: `CancellationError` when the task is cancelled while this call waits.
    func next() async throws -> Connection? {
        // The inbox gets a channel only after its connection was made (it sits after NIO's
        // AcceptHandler), so the lookup finds it.
        while let child = try await accepted.next() {
            if let connection = made.withLockedValue({ $0.removeValue(forKey: ObjectIdentifier(child)) }) { return connection }
        }
        return nil
    }
}

public enum Listeners {
    /// Adopts the sockets systemd passed as `name`, or binds `fallback` when there are none.
    /// - Parameters:
    ///   - sockets: what systemd passed (`ListenSockets.fromEnvironment()`).
    ///   - initializer: sets up each accepted connection's pipeline, on its event loop,
    ///     before the connection reads anything.
    /// - Throws: NIO's errors from adopting or binding.
    public static func open<Connection: Sendable>(
        _ name: String, from sockets: ListenSockets, fallback: ListenAddress?, logger: Logger,
        initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Connection>
    ) async throws -> [Listener<Connection>] {
        /// Binds a listener with `bind`, given a bootstrap set up for it.
        func listener(_ bind: (ServerBootstrap) -> EventLoopFuture<any Channel>) async throws -> Listener<Connection> {
            let made = NIOLockedValueBox([ObjectIdentifier: Connection]())
            let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // Nothing is accepted until the inbox is in place.
                .serverChannelOption(.autoRead, value: false)
                .serverChannelInitializer { channel in
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: accepting pauses for a second.
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler()) }
                }
                .childChannelInitializer { channel in
                    // Kept before AcceptHandler passes the accepted channel on.
                    initializer(channel).map { connection in made.withLockedValue { $0[ObjectIdentifier(channel)] = connection } }
                }
            let channel = try await bind(bootstrap).get()
            let accepted = try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(AcceptFailures(name: name, logger: logger))
                return try ChannelInbox<any Channel>.installed(on: channel, passesOn: true)
            }.get()
            try await channel.setOption(.autoRead, value: true).get()
            return Listener(channel: channel, accepted: accepted, made: made)
        }
        let descriptors = sockets.descriptors(named: name)
        if !descriptors.isEmpty {
            var listeners: [Listener<Connection>] = []
            for fd in descriptors {
                listeners.append(try await listener { $0.withBoundSocket(fd) })
                // NIO re-issues listen(fd, 128); give back the backlog systemd chose.
                _ = listen(fd, SOMAXCONN)
            }
            logger.info("adopted socket-activated listener", metadata: ["socket.name": "\(name)", "socket.count": "\(descriptors.count)"])
            return listeners
        }
        guard let fallback else { return [] }
        let bound: Listener<Connection>
        switch fallback {
        case .unix(let path):
            bound = try await listener { $0.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) }
        case .tcp(let host, let port):
            bound = try await listener { $0.bind(host: host, port: port) }
        }
        logger.info("listening without socket activation", metadata: ["socket.name": "\(name)", "socket.address": "\(fallback)"])
        return [bound]
    }
}

/// Logs what the listening pipeline reports and keeps it from the inbox, which would end
/// the listener: a connection whose set-up failed (NIO's AcceptHandler has closed it), or
/// accept(2) failing in a way NIO recovers from. Errors NIO cannot recover from close the
/// listening channel, which ends the listener.
private final class AcceptFailures: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel
    private let name: String
    private let logger: Logger

    /// - Parameter name: the socket's name (`socket.name` in the journal).
    init(name: String, logger: Logger) {
        self.name = name
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once the listener is closing, connections still being set up are closed unused.
        guard context.channel.isActive else { return }
        logger.warning("a connection could not be accepted or set up", metadata: ["socket.name": "\(name)", "error": "\(error)"])
    }
}
