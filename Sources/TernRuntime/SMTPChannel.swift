// The pipeline of an SMTP connection: an idle timeout (RFC 5321 §4.5.3.2.7) that answers
// 421 and closes, and a tag on every received buffer saying whether it came through TLS,
// so that plaintext sent before a STARTTLS handshake is never read as a command after it
// (RFC 3207 §4.2, CVE-2011-0411).
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Received bytes, and whether TLS protected them.
public struct SMTPInbound: Sendable {
    public var bytes: ByteBuffer
    public var secure: Bool
}

/// An accepted SMTP connection: its channel (replies are written into it), the received
/// bytes, and the tagger of its pipeline. A class, so the generic `ConnectionServer`
/// passes it by reference: copying a struct generically went through runtime value
/// witnesses, about 4% of tern-submitd's instructions (callgrind).
public final class SMTPAccepted: Sendable {
    /// The connection's channel; its task runs on the channel's event loop.
    public let channel: any Channel
    /// What the client sent, tagged with the TLS state it arrived in.
    let inbox: ChannelInbox<SMTPInbound>
    let tagger: SMTPInboundTagger

    init(channel: any Channel, inbox: ChannelInbox<SMTPInbound>, tagger: SMTPInboundTagger) {
        self.channel = channel
        self.inbox = inbox
        self.tagger = tagger
    }
}

/// Tags inbound buffers with the TLS state at the moment they passed, and answers a silent
/// client (`IdleStateHandler`'s read event) with 421 and closes the connection. One
/// handler for both: each handler in the pipeline costs every read a hop (callgrind).
public final class SMTPInboundTagger: ChannelInboundHandler, Sendable {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = SMTPInbound
    let secure = NIOLockedValueBox(false)
    let hostname: String

    init(hostname: String) { self.hostname = hostname }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        context.fireChannelRead(wrapInboundOut(SMTPInbound(bytes: bytes, secure: secure.withLockedValue { $0 })))
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let reply = ByteBuffer(string: "421 4.4.2 \(hostname) Error: timeout exceeded\r\n")
        // A small write is on the socket before the close is processed.
        context.writeAndFlush(NIOAny(reply), promise: nil)
        context.close(promise: nil)
    }
}

enum SMTPChannel {
    /// Installs the handlers on a new connection.
    static func configure(_ channel: Channel, hostname: String, timeout: TimeAmount) -> EventLoopFuture<SMTPAccepted> {
        channel.eventLoop.makeCompletedFuture {
            let tagger = SMTPInboundTagger(hostname: hostname)
            try channel.pipeline.syncOperations.addHandlers([IdleStateHandler(readTimeout: timeout), tagger])
            return SMTPAccepted(channel: channel, inbox: try .installed(on: channel), tagger: tagger)
        }
    }

    /// Writes `pending` (the 220 to STARTTLS) and puts TLS in front of the pipeline in one
    /// event-loop turn, so no byte read after the 220 bypasses TLS.
    static func startTLS(_ channel: Channel, tagger: SMTPInboundTagger, context: NIOSSLContext, pending: ByteBuffer) async throws {
        try await channel.eventLoop.submit {
            channel.writeAndFlush(pending, promise: nil)
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
            tagger.secure.withLockedValue { $0 = true }
        }.get()
    }
}
