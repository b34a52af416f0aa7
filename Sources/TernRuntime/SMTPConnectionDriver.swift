// Drives one SMTP server session over a connection: feeds received bytes to the pure
// `SMTPServerSession`, writes its replies (flushed when the input is used up, RFC 2920
// §3.2) and performs its queue actions over MailWire to tern-mtad. The content streams
// to the queue as it arrives; 250 comes only from tern-mtad's QUEUED. Local recipients
// are looked up at RCPT through tern-deliverd.
import Glibc
import Logging
import MailCore
import MailWire
import NIOCore
import SMTP

/// Serves one SMTP connection. Used by one task.
final class SMTPConnectionDriver {
    private var session: SMTPServerSession
    private var input = ByteBuffer()
    private var output = ByteBuffer()
    private let inbox: ChannelInbox<SMTPInbound>
    private let channel: any Channel
    private let queue: MailWirePool
    private let logger: Logger
    private var requestID: UInt32 = 0
    /// Content octets sent to the queue in this transaction (COMMIT carries the total).
    private var sentOctets: UInt64 = 0
    /// Content not sent yet: the session's small pieces (trace field, header section,
    /// body lines) leave as few CHUNKs as possible, at most `Frame.maximumChunk` held here.
    private var pendingContent = ByteBuffer()
    /// Content pieces of this many octets or more are sent without being copied into
    /// `pendingContent` (4 KiB: a 100 KiB message arrives in a few reads of 8-64 KiB).
    private static let uncopiedContent = 4096
    private var envelope: Envelope?
    /// The queue ID of the transaction in progress, for its log entries (`transactionLog`).
    /// Not kept in `logger`'s metadata: swift-log's stream handler formats that anew on
    /// every change, twice per message (callgrind: 9 K instructions).
    private var queueID: String?
    private var closed = false
    /// Starts TLS after writing the given bytes; nil when no certificate is configured.
    private let startTLS: (@Sendable (ByteBuffer) async throws -> Void)?
    private let credentials: SMTPCredentials?
    private let verifier: RecipientVerifier
    /// Set once TLS is active: input that did not come through TLS is dropped.
    private var requireSecure = false
    private let executor = BlockingExecutor()
    /// Graceful shutdown: a transaction in progress finishes, then 421.
    private let drain: SMTPDrain

    init(session: SMTPServerSession, inbox: ChannelInbox<SMTPInbound>,
         channel: any Channel, queue: MailWirePool, logger: Logger,
         startTLS: (@Sendable (ByteBuffer) async throws -> Void)?, credentials: SMTPCredentials?, drain: SMTPDrain,
         verifier: RecipientVerifier) {
        self.drain = drain
        self.verifier = verifier
        self.startTLS = startTLS
        self.credentials = credentials
        self.session = session
        self.inbox = inbox
        self.channel = channel
        self.queue = queue
        self.logger = logger
    }

    /// Runs the session until QUIT, a fatal error or the client's EOF.
    func run() async throws {
        try await perform(session.start(), wire: nil)
        try await loop(wire: nil)
    }

    /// Feeds input to the session. With a wire, returns when the queue transaction ends.
    private func loop(wire: MailWirePeer?) async throws {
        while !closed {
            if wire != nil && !session.isInQueueTransaction { return }
            let actions = session.advance(&input)
            if !actions.isEmpty {
                try await perform(actions, wire: wire)
                continue
            }
            try await flush()
            if session.isClosed { return }
            let received: SMTPInbound?
            do { received = try await inbox.next() } catch { throw ClientLinkFailure(underlying: error) }
            guard var more = received else {
                closed = true
                return
            }
            if requireSecure && !more.secure { continue }
            input.appendReceived(&more.bytes)
        }
    }

    private func perform(_ actions: [SMTPServerAction], wire: MailWirePeer?) async throws {
        for action in actions {
            switch action {
            case .reply(let reply):
                output.writeString(reply.wireText)
            case .flush:
                try await flush()
            case .close:
                // The last reply (221, 421, ...): in the kernel before the channel is closed.
                try await flush(untilSent: true)
                closed = true
            case .openQueue(let envelope):
                self.envelope = envelope
                try await openQueue(envelope)
            case .writeContent(var content):
                guard let wire else { continue }
                sentOctets += UInt64(content.readableBytes)
                if content.readableBytes >= Self.uncopiedContent {
                    // A large piece (a slice of the input) leaves as it is, after what is held.
                    try await sendPendingContent(wire, then: content)
                } else {
                    pendingContent.writeBuffer(&content)
                    if pendingContent.readableBytes >= Frame.maximumChunk { try await sendPendingContent(wire) }
                }
            case .commitQueue:
                guard let wire else { continue }
                try await commit(sentOctets, wire: wire)
            case .startTLS:
                guard let startTLS else { continue }
                let pending = output
                output = ByteBuffer()
                do { try await startTLS(pending) } catch { throw ClientLinkFailure(underlying: error) }
                input.clear()
                requireSecure = true
                logger.info("TLS started")
                try await perform(session.tlsStarted(), wire: wire)
            case .checkRecipient(let address):
                let refusal = await verifier.refusal(for: address)
                if let refusal { logger.info("recipient refused", metadata: ["rcpt.to": "\(address)", "reply": "\(refusal)"]) }
                try await perform(session.recipientChecked(refusal: refusal), wire: wire)
            case .authenticate(let user, let password):
                let credentials = self.credentials
                let accepted = (try? await executor.run { credentials?.verify(user: user, password: password) ?? false }) ?? false
                logger.info(accepted ? "authenticated" : "authentication failed", metadata: ["smtp.user": "\(user)"])
                try await perform(session.authenticationChecked(user: user, accepted: accepted), wire: wire)
            case .abortQueue:
                guard let wire else { continue }
                pendingContent.clear()
                try await link {
                    try await wire.send(.abort, requestID: self.requestID)
                    _ = try await wire.expect()
                }
            }
        }
    }

    /// Borrows a MailWire connection for one message and runs the transaction on it.
    private func openQueue(_ envelope: Envelope) async throws {
        guard drain.beginTransaction() else {
            // The shutdown handler already sent 421 and closed the connection.
            closed = true
            return
        }
        do {
            // Until QUEUE_ID nothing has been read from the client, so the pool may run this
            // again on a new connection when a reused one turns out closed.
            try await queue.withConnection { wire in
                self.requestID = wire.nextRequestID()
                self.sentOctets = 0
                self.pendingContent.clear()
                let opened = try await link {
                    try await wire.send(.enqueue(envelope), requestID: self.requestID)
                    return try await wire.expect().message
                }
                switch opened {
                case .queueID(let id):
                    queueID = "\(id)"
                    try await perform(session.queueOpened(id, now: Int64(time(nil))), wire: wire)
                    try await loop(wire: wire)
                case .error(let reply):
                    try await perform(session.queueFailed(reply), wire: nil)
                default:
                    throw QueueLinkFailure(underlying: MailWireError.unexpected(opened.type))
                }
            }
        } catch let failure as QueueLinkFailure {
            try await queueLost(failure.underlying)
        } catch let error where !(error is ClientLinkFailure) && session.isInQueueTransaction {
            // Connecting or the handshake failed: tern-mtad is not there.
            try await queueLost(error)
        }
        queueID = nil
        if drain.endTransaction() {
            output.writeString(drain.reply.wireText)
            try await flush(untilSent: true)
            closed = true
        }
    }

    private func commit(_ length: UInt64, wire: MailWirePeer) async throws {
        let chunks = takePendingChunks()
        let answer = try await link {
            // The last content and COMMIT leave in one write.
            try await wire.send(chunks + [.commit(length)], requestID: self.requestID)
            return try await wire.expect().message
        }
        switch answer {
        case .queued(let id):
            logger.info("message accepted", metadata: transactionLog([
                "event": "\(MailEvent.received)",
                "mail.from": "\(envelope?.reversePath ?? "")",
                "rcpt.to": "\(envelope?.recipients.joined(separator: ",") ?? "")",
                "size": "\(length)",
            ]))
            try await perform(session.queueCommitted(id), wire: nil)
        case .error(let reply):
            logger.warning("the queue refused the message", metadata: transactionLog(["reply": "\(reply)"]))
            try await perform(session.queueFailed(reply), wire: nil)
        default:
            throw QueueLinkFailure(underlying: MailWireError.unexpected(answer.type))
        }
    }

    /// Sends the content held back, then `piece` uncopied when given, as CHUNKs in one write.
    private func sendPendingContent(_ wire: MailWirePeer, then piece: ByteBuffer? = nil) async throws {
        let chunks = takePendingChunks() + (piece.map(Message.chunks(of:)) ?? [])
        guard !chunks.isEmpty else { return }
        try await link { try await wire.send(chunks, requestID: self.requestID) }
    }

    /// The content held back as CHUNKs; nothing is held afterwards.
    private func takePendingChunks() -> [Message] {
        defer { pendingContent.clear() }
        return Message.chunks(of: pendingContent)
    }

    /// The link to tern-mtad broke: the session refuses the message with 451 and goes on.
    private func queueLost(_ error: any Error) async throws {
        logger.warning("lost the queue manager during a transaction", metadata: transactionLog(["error": "\(error)"]))
        try await perform(session.queueFailed(.queueUnavailable), wire: nil)
    }

    /// `metadata` with the queue ID of the transaction in progress, if it has one.
    private func transactionLog(_ metadata: Logger.Metadata) -> Logger.Metadata {
        guard let queueID else { return metadata }
        var metadata = metadata
        metadata["queue.id"] = .string(queueID)
        return metadata
    }

    private func flush(untilSent: Bool = false) async throws {
        guard output.readableBytes > 0 else { return }
        let pending = output
        output = ByteBuffer()
        do {
            try await ChannelWrites.writeAndFlush([pending], to: channel, untilSent: untilSent)
        } catch {
            throw ClientLinkFailure(underlying: error)
        }
    }

    /// Runs a MailWire operation, marking its errors as the queue link's.
    private func link<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw QueueLinkFailure(underlying: error) }
    }
}

/// An error on the MailWire link to tern-mtad (not the client's fault).
struct QueueLinkFailure: Error { let underlying: any Error }

/// An error writing to the SMTP client: the session is over.
struct ClientLinkFailure: Error { let underlying: any Error }
