// Serves every connection of some listeners, each in its own child task, until graceful
// shutdown (SIGTERM, or the daemon going idle) stops the accepting; connections in
// progress finish. The listening descriptors are closed at once: systemd keeps its own
// copy, so clients that connect meanwhile wait in the backlog for the next start. A
// connection's task runs on its channel's event loop (`EventLoopExecutor`).
import Logging
import NIOCore
import ServiceLifecycle

/// A swift-service-lifecycle service accepting connections.
public struct ConnectionServer<Connection: Sendable>: Service, ActivityReporting {
    private let listeners: [Listener<Connection>]
    private let handler: @Sendable (Connection) async -> Void
    private let eventLoop: @Sendable (Connection) -> any EventLoop
    private let counter: ConnectionCounter

    /// - Parameters:
    ///   - noun: what one connection is called in `STATUS=`, singular (`SMTP session`).
    ///   - eventLoop: the loop of a connection's channel, where its task runs.
    ///   - handler: serves one connection; it owns the connection's lifetime.
    public init(listeners: [Listener<Connection>], noun: String = "MailWire connection",
                eventLoop: @escaping @Sendable (Connection) -> any EventLoop,
                handler: @escaping @Sendable (Connection) async -> Void) {
        self.listeners = listeners
        self.eventLoop = eventLoop
        self.handler = handler
        counter = ConnectionCounter(noun: noun)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                // Each accept loop runs on its listener's event loop: a connection accepted
                // there starts its task without a trip through Swift's global executor.
                for listener in listeners {
                    group.addTask(executorPreference: EventLoopExecutor(listener.channel.eventLoop)) { try await serve(listener) }
                }
            }
        } onGracefulShutdown: {
            for listener in listeners { listener.channel.close(promise: nil) }
        }
    }

    private func serve(_ listener: Listener<Connection>) async throws {
        defer { listener.channel.close(promise: nil) }
        try await withThrowingDiscardingTaskGroup { connections in
            do {
                while let connection = try await listener.next() {
                    counter.opened()
                    connections.addTask(executorPreference: EventLoopExecutor(eventLoop(connection))) {
                        await handler(connection)
                        counter.closed()
                    }
                }
            } catch {
                // Cancelled during shutdown: no failure of the daemon.
                if !Task.isShuttingDownGracefully { throw error }
            }
        }
    }

    public func activity() async -> Activity { counter.activity }
}
