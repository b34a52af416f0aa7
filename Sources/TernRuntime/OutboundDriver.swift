// Performs the SMTP client session's actions on a NIO channel: writes commands, parses
// replies strictly (a malformed or oversized reply is a temporary failure), starts TLS
// with swift-nio-ssl, and streams content through the dot-stuffer.
import MailCore
import NIOCore
import NIOSSL
import SMTP

/// Used by one task.
final class OutboundDriver {
    private var session: SMTPClientSession
    private let channel: Channel
    private let inbox: ChannelInbox<ByteBuffer>
    private let destination: Destination
    private let tls: NIOSSLContext?
    private var input = ByteBuffer()
    private var parser = ReplyParser()
    private(set) var isClosed = false
    /// Replies read so far on this connection.
    private var repliesReceived = 0

    init(session: SMTPClientSession, channel: Channel, inbox: ChannelInbox<ByteBuffer>, destination: Destination, tls: NIOSSLContext?) {
        self.session = session
        self.channel = channel
        self.inbox = inbox
        self.destination = destination
        self.tls = tls
    }

    enum Greeting {
        case ready
        case failed(Reply)
    }

    /// Reads the greeting and runs EHLO (and STARTTLS) until the session is ready.
    func greet() async throws -> Greeting {
        var actions = await next()
        while true {
            for action in actions {
                switch action {
                case .ready: return .ready
                case .connectionFailed(let reply): return .failed(reply)
                default: break
                }
            }
            actions = actions.isEmpty ? await next() : try await perform(actions, job: nil)
        }
    }

    /// Delivers one message on the ready session.
    func deliver(_ job: OutboundJob) async throws -> OutboundResult {
        guard session.isReady, !isClosed else { return .unusable(Reply(451, "4.4.2", "connection to \(destination) closed")) }
        var actions = session.begin(job.message)
        var results: [Reply]?
        let repliesBefore = repliesReceived
        while true {
            for action in actions {
                switch action {
                case .transactionDone(let replies): results = replies
                case .connectionFailed(let reply): return results.map(OutboundResult.done) ?? .unusable(reply)
                case .ready: return .done(results ?? [])
                default: break
                }
            }
            if actions.contains(.close) {
                isClosed = true
                channel.close(promise: nil)
            }
            if isClosed, let results {
                // The connection broke: with no reply in this transaction (an idle connection the
                // server had closed), another connection may still deliver the message.
                return repliesReceived == repliesBefore ? .unusable(results[0]) : .done(results)
            }
            // No action: the session waits for the next reply (a pipelined group).
            actions = actions.isEmpty ? await next() : try await perform(actions, job: job)
        }
    }

    /// QUIT, then close.
    func quit() async {
        guard !isClosed else { return }
        _ = try? await perform(session.quit(), job: nil)
    }

    /// Performs actions; returns the session's answer to the reply or event they led to.
    private func perform(_ actions: [SMTPClientAction], job: OutboundJob?) async throws -> [SMTPClientAction] {
        var awaitReply = false
        for action in actions {
            switch action {
            case .send(let text):
                guard await write(ByteBuffer(string: text)) else { return await next() }
                awaitReply = true
            case .startTLS:
                guard let tls else { return session.tlsFailed("no TLS context") }
                do {
                    let name = Self.sniName(destination.host)
                    try await channel.eventLoop.submit { [channel] in
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name), position: .first)
                    }.get()
                } catch {
                    return session.tlsFailed("\(error)")
                }
                return session.tlsEstablished()
            case .sendContent:
                guard let job else { return session.connectionLost("no content") }
                var stuffer = DotStuffer()
                var offset: UInt64 = 0
                var written = true
                while written, offset < job.contentLength {
                    let piece = try await job.content(offset, 65_536)
                    guard piece.readableBytes > 0 else { break }
                    offset += UInt64(piece.readableBytes)
                    written = await write(stuffer.encode(piece))
                }
                // After a failed write the server may have refused the message (552) and
                // closed: its reply, read next, is the answer to the content.
                if written { _ = await write(stuffer.finish()) }
                _ = session.contentSent()
                awaitReply = true
            case .close:
                isClosed = true
                channel.close(promise: nil)
                return []
            case .ready, .transactionDone, .connectionFailed:
                break
            }
        }
        return awaitReply ? await next() : []
    }

    /// Writes `bytes`; false when the write failed: the server closed the connection,
    /// perhaps after a reply (421, 552) still to be read.
    private func write(_ bytes: ByteBuffer) async -> Bool {
        do {
            try await ChannelWrites.writeAndFlush([bytes], to: channel)
            return true
        } catch {
            return false
        }
    }

    /// Waits for the next reply (with the session's timeout) and feeds it to the session.
    private func next() async -> [SMTPClientAction] {
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(Int64(session.replyTimeout))) { [channel] in
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        while true {
            do {
                if let reply = try parser.next(&input) {
                    repliesReceived += 1
                    return session.received(reply)
                }
            } catch {
                return session.connectionLost("malformed reply: \(error.line)")
            }
            do {
                guard var more = try await inbox.next() else { return session.connectionLost("connection closed by the server") }
                input.appendReceived(&more)
            } catch {
                return session.connectionLost("\(error)")
            }
        }
    }

    /// SNI takes host names only, never addresses.
    private static func sniName(_ host: String) -> String? {
        IPNetwork.bytes(of: host) == nil && host.contains(".") ? host : nil
    }
}
