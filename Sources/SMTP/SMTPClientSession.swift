// The SMTP client conversation (RFC 5321 §3, §4; RFC 2920 for PIPELINING; RFC 3207 for
// STARTTLS) as a pure state machine: server replies and driver events in, actions out.
// One session is one connection; several messages may follow one another on it. Every
// state change goes through `enter(_:)`.
import MailCore

/// What the client driver must do next.
public enum SMTPClientAction: Sendable, Equatable {
    /// Write these command lines (each already ending in CRLF).
    case send(String)
    /// Start TLS on the connection; answer with `tlsEstablished` or `tlsFailed`.
    case startTLS
    /// Stream the message content, dot-stuffed, ending with <CRLF>.<CRLF>; answer with `contentSent`.
    case sendContent
    /// The connection is greeted and idle: `begin` a message, or `quit`.
    case ready
    /// One reply per recipient of the message, in envelope order.
    case transactionDone([Reply])
    /// This server cannot be used (greeting refused, TLS required but not offered, a
    /// broken reply): try the next one. Carries the reason.
    case connectionFailed(Reply)
    /// Close the connection.
    case close
}

/// One SMTP client session.
public struct SMTPClientSession: Sendable {
    /// Fixed facts about the session.
    public struct Settings: Sendable {
        /// The name sent in EHLO/HELO.
        public var heloName: String
        /// STARTTLS is possible (a TLS context exists).
        public var tlsPossible: Bool
        /// Delivery must not happen without TLS (`required` for this destination).
        public var tlsRequired: Bool

        public init(heloName: String, tlsPossible: Bool, tlsRequired: Bool) {
            self.heloName = heloName
            self.tlsPossible = tlsPossible
            self.tlsRequired = tlsRequired
        }
    }

    enum Expected: Sendable, Equatable {
        case mail
        case recipient(Int)
        case data
    }

    struct Transaction: Sendable {
        var message: OutgoingMessage
        var pipelined: Bool
        var expected: [Expected]
        var mailReply: Reply?
        var recipientReplies: [Reply?]
        var dataReply: Reply?
        var accepted: [Int] { recipientReplies.indices.filter { recipientReplies[$0]?.replyClass == 2 } }
    }

    enum State: Sendable {
        case greeting
        case ehlo
        case helo
        case startTLS
        case tlsHandshake
        case ready
        case transaction(Transaction)
        case sendingContent(Transaction)
        case endOfData(Transaction)
        /// A lone "." was sent to abort a DATA the server accepted with no valid recipient.
        case abortingData(Transaction)
        case resetting
        case quitting
        case closed
    }

    var state = State.greeting
    let settings: Settings
    /// What the server offers (after EHLO).
    public private(set) var capabilities = ServerCapabilities()
    /// True once TLS protects the connection.
    public private(set) var tlsActive = false

    public init(settings: Settings) { self.settings = settings }

    /// True when the session can `begin` a message.
    public var isReady: Bool { if case .ready = state { true } else { false } }

    /// Seconds to wait for the reply the session expects now (RFC 5321 §4.5.3.2).
    public var replyTimeout: Int {
        switch state {
        case .sendingContent: 180
        case .endOfData, .abortingData: 600
        case .transaction(let transaction) where transaction.expected.first == .data: 120
        default: 300
        }
    }

    // MARK: Events

    /// A complete reply arrived.
    public mutating func received(_ raw: Reply) -> [SMTPClientAction] {
        let reply = Self.sanitized(raw)
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail(reply) }
            enter(.ehlo)
            return [.send("EHLO \(settings.heloName)\r\n")]
        case .ehlo:
            if reply.replyClass == 5 {
                // RFC 5321 §3.2: a server without EHLO gets HELO.
                enter(.helo)
                return [.send("HELO \(settings.heloName)\r\n")]
            }
            guard reply.replyClass == 2 else { return fail(reply) }
            capabilities = ServerCapabilities(ehlo: reply)
            return afterGreeting()
        case .helo:
            guard reply.replyClass == 2 else { return fail(reply) }
            capabilities = ServerCapabilities()
            return afterGreeting()
        case .startTLS:
            if reply.code == 220 {
                enter(.tlsHandshake)
                return [.startTLS]
            }
            // Opportunistic TLS goes on in plain text when STARTTLS is refused.
            guard !settings.tlsRequired else { return fail(Reply(451, "4.7.5", "TLS is required but STARTTLS was refused: \(reply)")) }
            enter(.ready)
            return [.ready]
        case .transaction(var transaction):
            return transactionReply(reply, &transaction)
        case .endOfData(let transaction):
            enter(.ready)
            return [.transactionDone(results(transaction, accepted: reply)), .ready]
        case .abortingData:
            return reset()
        case .resetting:
            guard reply.replyClass == 2 else { return fail(reply) }
            enter(.ready)
            return [.ready]
        case .quitting:
            enter(.closed)
            return [.close]
        case .tlsHandshake, .ready, .sendingContent, .closed:
            return fail(Reply(451, "4.5.0", "unexpected reply from server: \(reply)"))
        }
    }

    /// TLS is up: the session starts over with EHLO (RFC 3207 §4.2).
    public mutating func tlsEstablished() -> [SMTPClientAction] {
        guard case .tlsHandshake = state else { return [] }
        tlsActive = true
        enter(.ehlo)
        return [.send("EHLO \(settings.heloName)\r\n")]
    }

    /// The TLS handshake failed; the connection is unusable.
    public mutating func tlsFailed(_ reason: String) -> [SMTPClientAction] {
        fail(Reply(451, "4.7.5", "TLS handshake failed: \(reason)"))
    }

    /// A reply did not parse (RFC 5321 §4.2: a temporary failure), or the connection broke
    /// or timed out. Recipients of a message in flight are deferred.
    public mutating func connectionLost(_ reason: String) -> [SMTPClientAction] {
        let reply = Reply(451, "4.4.2", "lost connection with server: \(Self.clean(reason))")
        switch state {
        case .transaction(let transaction), .sendingContent(let transaction), .endOfData(let transaction), .abortingData(let transaction):
            enter(.closed)
            return [.transactionDone(Array(repeating: reply, count: transaction.message.envelope.recipients.count)), .close]
        case .closed:
            return []
        default:
            return fail(reply)
        }
    }

    /// Starts sending a message; only when the last action was `.ready`.
    public mutating func begin(_ message: OutgoingMessage) -> [SMTPClientAction] {
        guard case .ready = state else { return [.transactionDone(Array(repeating: Reply(451, "4.3.0", "session not ready"), count: message.envelope.recipients.count))] }
        if let refusal = refusal(for: message) {
            return [.transactionDone(Array(repeating: refusal, count: message.envelope.recipients.count)), .ready]
        }
        let count = message.envelope.recipients.count
        var transaction = Transaction(message: message, pipelined: capabilities.pipelining, expected: [],
                                      recipientReplies: Array(repeating: nil, count: count))
        if transaction.pipelined {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
            transaction.expected = [.mail] + (0..<count).map(Expected.recipient) + [.data]
            enter(.transaction(transaction))
            return [.send(mailCommand(message) + (0..<count).map { rcptCommand(message, $0) }.joined() + "DATA\r\n")]
        }
        transaction.expected = [.mail]
        enter(.transaction(transaction))
        return [.send(mailCommand(message))]
    }

    /// The content and its terminator were written: wait for the final reply.
    public mutating func contentSent() -> [SMTPClientAction] {
        guard case .sendingContent(let transaction) = state else { return [] }
        enter(.endOfData(transaction))
        return []
    }

    /// Ends the session politely.
    public mutating func quit() -> [SMTPClientAction] {
        switch state {
        case .ready:
            enter(.quitting)
            return [.send("QUIT\r\n")]
        case .closed:
            return []
        default:
            enter(.closed)
            return [.close]
        }
    }

    /// The one place where the session changes state.
    mutating func enter(_ next: State) { state = next }
}
