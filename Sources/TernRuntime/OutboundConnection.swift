// One outgoing SMTP connection (RFC 5321 §3): connects to one address, runs the pure
// `SMTPClientSession` over it, and delivers the messages handed to it one after another
// (a connection is reused for several messages to the same destination) until it has
// been idle for a while. Each reply is awaited with the timeout of RFC 5321 §4.5.3.2.
import Logging
import MailCore
import NIOCore
import NIOPosix
import NIOSSL
import SMTP

/// Where a connection goes.
public struct Destination: Sendable, Hashable, CustomStringConvertible {
    /// The host name (for logs and TLS) and the address connected to.
    public var host: String
    public var address: String
    public var port: Int
    /// Delivery must not happen without TLS.
    public var tlsRequired: Bool

    /// `host[address]:port`, the RELAY field of the logs.
    public var description: String { "\(host)[\(address)]:\(port)" }
}

/// One message for an outbound connection, and where its result goes.
struct OutboundJob: Sendable {
    let message: OutgoingMessage
    /// Reads `length` content octets at `offset`.
    let content: @Sendable (_ offset: UInt64, _ length: Int) async throws -> ByteBuffer
    let contentLength: UInt64
    let result: CheckedContinuation<OutboundResult, Never>
}

/// What an attempt on one connection gave.
enum OutboundResult: Sendable {
    /// One reply per recipient.
    case done([Reply])
    /// The connection could not be used (refused, greeting, TLS, broken before MAIL): try another.
    case unusable(Reply)
}

/// Runs one connection until it is closed or idle too long.
struct OutboundConnection {
    let destination: Destination
    let settings: SMTPClientSession.Settings
    let tls: NIOSSLContext?
    let logger: Logger

    /// Connects and serves `first`, then whatever `more` yields, until `more` ends.
    func run(first: OutboundJob, more: AsyncStream<OutboundJob>, idle: @Sendable () async -> Void) async {
        let (channel, inbox): (any Channel, ChannelInbox<ByteBuffer>)
        do {
            (channel, inbox) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(30))
                .connect(host: destination.address, port: destination.port, channelInitializer: ChannelInbox<ByteBuffer>.initializer)
        } catch {
            first.result.resume(returning: .unusable(Reply(451, "4.4.1", "connect to \(destination) failed: \(error)")))
            return
        }
        var pending: OutboundJob? = first
        do {
            defer { channel.close(promise: nil) }
            let driver = OutboundDriver(session: SMTPClientSession(settings: settings), channel: channel, inbox: inbox,
                                        destination: destination, tls: tls)
            if case .failed(let reply) = try await driver.greet() {
                pending?.result.resume(returning: .unusable(reply))
                pending = nil
                return
            }
            var iterator = more.makeAsyncIterator()
            while let job = pending {
                let result = try await driver.deliver(job)
                pending = nil
                job.result.resume(returning: result)
                if driver.isClosed { return }
                await idle()
                pending = await iterator.next()
            }
            await driver.quit()
        } catch {
            logger.debug("outbound connection ended", metadata: ["relay": "\(destination)", "error": "\(error)"])
        }
        pending?.result.resume(returning: .unusable(Reply(451, "4.4.2", "connection to \(destination) lost: unknown")))
    }
}
