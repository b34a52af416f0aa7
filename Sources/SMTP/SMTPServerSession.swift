// The SMTP server conversation (RFC 5321 §3, §4, and the extensions tern-submitd offers)
// as a pure state machine: bytes and the answers of the queue, TLS layer and credential
// check in, actions out. No I/O, no clock: the driver performs the actions and feeds back
// their results. Every state change goes through `enter(_:)`.
import MailCore
import NIOCore

/// What the driver must do next.
public enum SMTPServerAction: Sendable, Equatable {
    /// Send this reply (buffered; flushed by `flush`).
    case reply(Reply)
    /// Write everything buffered to the client: the input is used up (RFC 2920 §3.2).
    case flush
    /// Open a queue transaction for this envelope; answer with `queueOpened` or `queueFailed`.
    case openQueue(Envelope)
    /// Stream this content to the open queue transaction.
    case writeContent(ByteBuffer)
    /// Ask the queue to make the message durable; answer with `queueCommitted` or `queueFailed`.
    case commitQueue
    /// Drop the open queue transaction (the message was refused or reset).
    case abortQueue
    /// Flush, then start TLS (RFC 3207): input already received is discarded; answer with
    /// `tlsStarted` (or close the connection when the handshake fails).
    case startTLS
    /// Ask whether this local address is a recipient here (RCPT, RFC 5321 §3.3); answer
    /// with `recipientChecked`.
    case checkRecipient(String)
    /// Check these credentials (RFC 4954); answer with `authenticationChecked`.
    case authenticate(user: String, password: String)
    /// Close the connection after writing what is buffered.
    case close
}

/// One SMTP server session.
public struct SMTPServerSession: Sendable {
    struct Greeting: Sendable {
        var domain: String
        var extended: Bool
    }

    /// How the content of the message being opened will arrive.
    enum ContentMode: Sendable {
        case data
        case chunk(size: Int, last: Bool)
    }

    enum State: Sendable {
        case connected
        case ready(Greeting)
        case transaction(Greeting, Envelope)
        /// RCPT named a local address; waiting for the recipient lookup.
        case checkingRecipient(Greeting, Envelope, String, RecipientDSN)
        /// DATA or the first BDAT was accepted; waiting for the queue to open the message.
        case openingQueue(Greeting, Envelope, ContentMode)
        /// DATA content streams to the queue until <CRLF>.<CRLF>.
        case receivingData(Greeting, DataReader, IncomingContent)
        /// `remaining` octets of a BDAT chunk are still to come (RFC 3030 §2).
        case receivingChunk(Greeting, IncomingContent, remaining: Int, last: Bool, queueOpen: Bool)
        /// Between BDAT chunks: the queue transaction is open.
        case betweenChunks(Greeting, IncomingContent)
        /// The end of the content was seen; waiting for the queue to commit.
        case committing(Greeting)
        /// STARTTLS was answered; waiting for the handshake.
        case startingTLS
        /// AUTH is waiting for the client's next response line.
        case authenticating(Greeting, AuthExchange)
        /// Waiting for the credential check.
        case checkingCredentials(Greeting)
        /// A command line was longer than allowed; its rest is discarded up to LF.
        case discardingLine(previous: Box)
        case closed
    }

    /// Indirection so `State` can refer to itself.
    final class Box: Sendable {
        let state: State
        init(_ state: State) { self.state = state }
    }

    var state = State.connected
    var settings: SMTPServerSettings
    var tlsActive = false
    /// The user AUTH accepted, nil before.
    public internal(set) var authenticatedUser: String?
    var errors = 0
    var junkCommands = 0

    public init(settings: SMTPServerSettings) { self.settings = settings }

    /// True once QUIT was answered or the session was closed.
    public var isClosed: Bool { if case .closed = state { true } else { false } }

    /// True from DATA or BDAT until the queue's final answer: a queue transaction is open
    /// or opening.
    public var isInQueueTransaction: Bool {
        switch state {
        case .openingQueue, .receivingData, .betweenChunks, .committing: true
        case .receivingChunk(_, _, _, _, let queueOpen): queueOpen
        default: false
        }
    }

    // MARK: Events

    /// The connection is open: the greeting (RFC 5321 §4.2, 220).
    public func start() -> [SMTPServerAction] {
        [.reply(Reply(220, "", "\(settings.hostname) ESMTP Tern")), .flush]
    }

    /// Consumes input up to one unit of work that produces actions (a command line, or a
    /// run of content).
    /// - Returns: the actions; empty when more input is needed or the session waits for
    ///   an answer (queue, TLS, credentials).
    public mutating func advance(_ input: inout ByteBuffer) -> [SMTPServerAction] {
        while true {
            let before = input.readerIndex
            let actions = step(&input)
            // Input consumed without a reply (a BDAT command, a discarded line): go on.
            if !actions.isEmpty || input.readerIndex == before { return actions }
        }
    }

    private mutating func step(_ input: inout ByteBuffer) -> [SMTPServerAction] {
        switch state {
        case .receivingData(let greeting, var reader, var content):
            return receiveData(&input, greeting, &reader, &content)
        case .receivingChunk(let greeting, var content, let remaining, let last, let queueOpen):
            return receiveChunk(&input, greeting, &content, remaining: remaining, last: last, queueOpen: queueOpen)
        case .discardingLine(let previous):
            guard let end = Self.endOfLine(in: input) else {
                // Keep a final CR: it may be the start of the CRLF that ends the line.
                input.moveReaderIndex(to: max(input.readerIndex, input.writerIndex - 1))
                return []
            }
            input.moveReaderIndex(to: end)
            enter(previous.state)
            return countError(.lineTooLong)
        case .startingTLS:
            // RFC 3207 §4.2 (and CVE-2011-0411): nothing sent before the handshake counts.
            input.moveReaderIndex(to: input.writerIndex)
            return []
        case .openingQueue, .committing, .checkingCredentials, .checkingRecipient, .closed:
            return []
        case .connected, .ready, .transaction, .betweenChunks, .authenticating:
            return commandLine(&input)
        }
    }

    /// The index just after the first CRLF in `input` (a bare CR or LF is not a line end).
    static func endOfLine(in input: ByteBuffer) -> Int? {
        let view = input.readableBytesView
        var index = view.startIndex
        while let lf = view[index...].firstIndex(of: UInt8(ascii: "\n")) {
            if lf > view.startIndex && view[lf - 1] == UInt8(ascii: "\r") { return lf + 1 }
            index = lf + 1
        }
        return nil
    }

    /// The queue opened a transaction: prepend the Received field; invite DATA content
    /// (354) or start reading the first chunk.
    /// - Parameter now: the time for Received (and Date at submission), Unix seconds.
    public mutating func queueOpened(_ id: QueueID, now: Int64) -> [SMTPServerAction] {
        guard case .openingQueue(let greeting, let envelope, let mode) = state else { return [] }
        let content = IncomingContent(settings: settings, queueID: id, now: now)
        let received = TraceHeaders.received(
            helo: greeting.domain, client: settings.clientDescription, host: settings.hostname,
            protocol: receivedProtocol(greeting), queueID: id,
            recipient: envelope.recipients.count == 1 ? envelope.recipients[0] : nil, unixSeconds: now)
        switch mode {
        case .data:
            enter(.receivingData(greeting, DataReader(), content))
            return [.writeContent(ByteBuffer(string: received)), .reply(.startData), .flush]
        case .chunk(let size, let last):
            enter(.receivingChunk(greeting, content, remaining: size, last: last, queueOpen: true))
            return [.writeContent(ByteBuffer(string: received))]
        }
    }

    /// The queue made the message durable: only now is 250 sent.
    public mutating func queueCommitted(_ id: QueueID) -> [SMTPServerAction] {
        guard case .committing(let greeting) = state else { return [] }
        enter(.ready(greeting))
        return [.reply(.queued(id))]
    }

    /// The queue could not open, take content or commit; `reply` says why (normally
    /// `451 4.3.0`). Never followed by a 250 for this message.
    public mutating func queueFailed(_ reply: Reply) -> [SMTPServerAction] {
        switch state {
        case .openingQueue(let greeting, _, .data), .committing(let greeting):
            enter(.ready(greeting))
            return [.reply(reply)]
        case .openingQueue(let greeting, _, .chunk(let size, let last)):
            // The chunk's octets are on their way and must be read, never run as commands.
            enter(.receivingChunk(greeting, IncomingContent(refusedWith: reply), remaining: size, last: last, queueOpen: false))
            return []
        case .receivingData(let greeting, let reader, var content):
            _ = content.refuse(reply)
            enter(.receivingData(greeting, reader, content))
            return []
        case .receivingChunk(let greeting, var content, let remaining, let last, _):
            _ = content.refuse(reply)
            enter(.receivingChunk(greeting, content, remaining: remaining, last: last, queueOpen: false))
            return []
        case .betweenChunks(let greeting, _):
            enter(.ready(greeting))
            return []
        default:
            return []
        }
    }

    /// The TLS handshake finished: the session starts over (RFC 3207 §4.2), EHLO first.
    public mutating func tlsStarted() -> [SMTPServerAction] {
        guard case .startingTLS = state else { return [] }
        tlsActive = true
        enter(.connected)
        return []
    }

    /// The result of a `checkRecipient` action: nil when the address is a recipient here,
    /// else the refusal (`550 5.1.1` unknown, `451 4.3.0` when the lookup failed).
    public mutating func recipientChecked(refusal: Reply?) -> [SMTPServerAction] {
        guard case .checkingRecipient(let greeting, var envelope, let address, let dsn) = state else { return [] }
        if let refusal {
            enter(.transaction(greeting, envelope))
            return countError(refusal)
        }
        envelope.append(recipient: address, dsn: dsn)
        enter(.transaction(greeting, envelope))
        return [.reply(.recipientOk)]
    }

    /// The result of an `authenticate` action.
    public mutating func authenticationChecked(user: String, accepted: Bool) -> [SMTPServerAction] {
        guard case .checkingCredentials(let greeting) = state else { return [] }
        enter(.ready(greeting))
        guard accepted else { return countError(Reply(535, "5.7.8", "Error: authentication failed")) }
        authenticatedUser = user
        // RFC 4954 §6, RFC 6409: an authenticated client submits and may relay.
        settings.relayPermitted = true
        settings.isLocalSubmission = true
        return [.reply(Reply(235, "2.7.0", "Authentication successful"))]
    }

    /// The one place where the session changes state.
    mutating func enter(_ next: State) { state = next }

    /// An error reply that counts towards the error limit; past it the session ends with 421.
    mutating func countError(_ reply: Reply) -> [SMTPServerAction] {
        errors += 1
        guard errors < settings.errorLimit else {
            enter(.closed)
            return [.reply(reply), .reply(Reply(421, "4.7.0", "\(settings.hostname) Error: too many errors")), .close]
        }
        return [.reply(reply)]
    }

    /// RFC 3848: ESMTP with S for TLS and A for authentication.
    private func receivedProtocol(_ greeting: Greeting) -> String {
        guard greeting.extended else { return "SMTP" }
        return "ESMTP" + (tlsActive ? "S" : "") + (authenticatedUser != nil ? "A" : "")
    }
}
