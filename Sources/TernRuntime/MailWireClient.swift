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
        let connection = try await connect(path: path)
        defer { connection.channel.close(promise: nil) }
        let peer = MailWirePeer(connection)
        try await handshake(peer, name: name)
        return try await body(peer)
    }

    /// Opens a connection to a MailWire server, before the handshake, on the calling
    /// thread's event loop when it runs on one (its reads then wake no other thread).
    /// - Parameter path: the server's socket.
    /// - Throws: connection errors.
    static func connect(path: String) async throws -> MailWireConnection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { MailWireChannel.configure($0) }
    }

    /// HELLO, then WELCOME expected (protocols/mailwire.md §Handshake).
    /// - Throws: `MailWireRefused` for ERROR, `MailWireError` for anything else.
    static func handshake(_ peer: MailWirePeer, name: String) async throws {
        try await peer.send(.hello(version: Frame.version, maximumPayload: UInt32(Frame.maximumPayload), name: name), requestID: 0)
        switch try await peer.expect().message {
        case .welcome: return
        case .error(let reply): throw MailWireRefused(reply: reply)
        case let other: throw MailWireError.unexpected(other.type)
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
