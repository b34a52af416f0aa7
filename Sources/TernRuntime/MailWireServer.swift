// The listening side of MailWire: the handshake, then one request at a time handed to the
// daemon's handler. A protocol violation gets one ERROR (554 5.3.5) and the connection
// closes (protocols/mailwire.md §Errors); nothing a peer sends can crash the daemon.
import Logging
import MailCore
import MailWire
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

public enum MailWireServer {
    /// The listener's child-channel initializer for MailWire.
    public static func configure(_ channel: Channel) -> EventLoopFuture<MailWireConnection> {
        MailWireChannel.configure(channel)
    }

    /// Serves one connection.
    /// - Parameters:
    ///   - name: this daemon's name, sent in WELCOME.
    ///   - handler: called with each request's first message; it reads the request's
    ///     further frames and sends its final answer through the peer; it also gets the
    ///     peer's uid (nil when the socket has none) to decide what the peer may ask.
    public static func serve(_ connection: MailWireConnection, name: String, logger: Logger,
                             handler: (Message, UInt32, MailWirePeer, _ peerUID: UInt32?) async throws -> Void) async {
        // Who is calling is decided once per connection, on the kernel's word (SO_PEERCRED).
        let peerUID = await PeerCredentials.of(connection.channel)?.uid
        // Clients keep connections open between requests (MailWirePool): on graceful
        // shutdown an idle connection is closed at once, a busy one after its request.
        let idle = NIOLockedValueBox(ServingState.idle)
        let channel = connection.channel
        do {
            try await withGracefulShutdownHandler {
                defer { channel.close(promise: nil) }
                let peer = MailWirePeer(connection)
                do {
                    guard let (hello, id) = try await peer.receive() else { return }
                    guard case .hello(let version, _, _) = hello else { throw MailWireError.unexpected(hello.type) }
                    guard version == Frame.version else { throw MailWireError.unsupportedVersion(version) }
                    try await peer.send(.welcome(version: Frame.version, maximumPayload: UInt32(Frame.maximumPayload), name: name), requestID: id)
                    while let (message, requestID) = try await peer.receive() {
                        guard idle.withLockedValue({ $0.begin() }) else { return }
                        try await handler(message, requestID, peer, peerUID)
                        guard idle.withLockedValue({ $0.end() }) else { return }
                    }
                } catch let error as MailWireError {
                    logger.warning("closing a MailWire connection that violated the protocol", metadata: ["error": "\(error)"])
                    try? await peer.send(.error(.protocolViolation), requestID: 0)
                }
            } onGracefulShutdown: {
                if idle.withLockedValue({ $0.stop() }) { channel.close(promise: nil) }
            }
        } catch {
            logger.debug("MailWire connection ended", metadata: ["error": "\(error)"])
        }
    }
}

/// Whether a server connection is between requests, for closing it on graceful shutdown.
private enum ServingState {
    case idle, busy, stopping

    /// A request arrived; false when the daemon is stopping (the request is not served).
    mutating func begin() -> Bool {
        guard self == .idle else { return false }
        self = .busy
        return true
    }

    /// The request is answered; false when the daemon is stopping.
    mutating func end() -> Bool {
        guard self == .busy else { return false }
        self = .idle
        return true
    }

    /// Graceful shutdown: true when the connection is idle and may be closed now.
    mutating func stop() -> Bool {
        defer { self = .stopping }
        return self == .idle
    }
}
