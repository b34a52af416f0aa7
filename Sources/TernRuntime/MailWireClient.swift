// The connecting side of MailWire (protocols/mailwire.md §Handshake): connect to a Unix
// socket, HELLO, expect WELCOME, then run requests.
import MailCore
import MailWire
import NIOCore
import NIOPosix

public enum MailWireClient {
    /// Connects, performs the handshake and runs `body`; the connection is closed after.
    /// - Parameters:
    ///   - path: the server's socket, e.g. `/run/tern/queue.sock`.
    ///   - name: this program's name, sent in HELLO.
    /// - Throws: connection errors, `MailWireError`, `MailWireRefused` when the server
    ///   answers the handshake with ERROR, and what `body` throws.
    public static func withConnection<T: Sendable>(path: String, name: String, _ body: (MailWirePeer) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { MailWireChannel.configure($0) }
        return try await channel.executeThenClose { inbound, outbound in
            let peer = MailWirePeer(inbound: inbound, outbound: outbound)
            try await peer.send(.hello(version: Frame.version, maximumPayload: UInt32(Frame.maximumPayload), name: name), requestID: 0)
            switch try await peer.expect().message {
            case .welcome: return try await body(peer)
            case .error(let reply): throw MailWireRefused(reply: reply)
            case let other: throw MailWireError.unexpected(other.type)
            }
        }
    }
}

/// A MailWire server answered a request with ERROR.
public struct MailWireRefused: Error, CustomStringConvertible {
    /// The SMTP reply the server gave.
    public let reply: Reply
    public init(reply: Reply) { self.reply = reply }
    public var description: String { reply.description }
}
