// Serves every connection of some listeners, each in its own child task, until graceful
// shutdown (SIGTERM) stops the accepting; connections in progress finish.
import Logging
import NIOCore
import ServiceLifecycle
import Systemd

/// A swift-service-lifecycle service accepting connections.
public struct ConnectionServer<Connection: Sendable>: Service {
    private let listeners: [Listener<Connection>]
    private let handler: @Sendable (Connection) async -> Void

    /// - Parameter handler: serves one connection; it owns the connection's lifetime.
    public init(listeners: [Listener<Connection>], handler: @escaping @Sendable (Connection) async -> Void) {
        self.listeners = listeners
        self.handler = handler
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for listener in listeners {
                    group.addTask {
                        try await listener.executeThenClose { inbound in
                            try await withThrowingDiscardingTaskGroup { connections in
                                for try await connection in inbound.cancelOnGracefulShutdown() {
                                    connections.addTask { await handler(connection) }
                                }
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            Notifier().stopping()
        }
    }
}
