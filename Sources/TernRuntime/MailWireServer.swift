// The listening side of MailWire: the handshake, then one request at a time handed to the
// daemon's handler. A protocol violation gets one ERROR (554 5.3.5) and the connection
// closes (protocols/mailwire.md §Errors); nothing a peer sends can crash the daemon.
import Logging
import MailCore
import MailWire
import NIOCore

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
        do {
            try await connection.executeThenClose { inbound, outbound in
                let peer = MailWirePeer(inbound: inbound, outbound: outbound)
                do {
                    guard let (hello, id) = try await peer.receive() else { return }
                    guard case .hello(let version, _, _) = hello else { throw MailWireError.unexpected(hello.type) }
                    guard version == Frame.version else { throw MailWireError.unsupportedVersion(version) }
                    try await peer.send(.welcome(version: Frame.version, maximumPayload: UInt32(Frame.maximumPayload), name: name), requestID: id)
                    while let (message, requestID) = try await peer.receive() {
                        try await handler(message, requestID, peer, peerUID)
                    }
                } catch let error as MailWireError {
                    logger.warning("closing a MailWire connection that violated the protocol", metadata: ["error": "\(error)"])
                    try? await peer.send(.error(.protocolViolation), requestID: 0)
                }
            }
        } catch {
            logger.debug("MailWire connection ended", metadata: ["error": "\(error)"])
        }
    }
}
