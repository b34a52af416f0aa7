// A listener for tests: one Unix socket under the temporary directory, opened through
// `Listeners.open` as a daemon's fallback address (no socket activation).
import Foundation
import Logging
import NIOCore
@testable import Systemd
@testable import TernRuntime
import Testing

/// A listener on a new Unix socket whose accepted channels `initializer` sets up, and the
/// socket's path (the caller removes it).
/// - Parameter name: names the socket file (`tern-NAME-….sock`).
func temporaryListener<Connection: Sendable>(
    _ name: String, initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Connection>
) async throws -> (listener: Listener<Connection>, path: String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tern-\(name)-\(UUID().uuidString.prefix(8)).sock").path
    let listeners = try await Listeners.open(
        "test", from: ListenSockets(byName: [:]), fallback: .unix(path: path), logger: Logger(label: "test"), initializer: initializer)
    return (try #require(listeners.first), path)
}
