// The SMTP server conversation (RFC 5321 §3, §4) as a pure state machine: bytes and
// queue answers in, actions out. No I/O, no clock: the driver (tern-submitd's channel
// code) performs the actions and feeds back their results. Every state change goes
// through `enter(_:)`.
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
    /// Drop the open queue transaction (the message was refused).
    case abortQueue
    /// Close the connection after writing what is buffered.
    case close
}

/// One SMTP server session.
public struct SMTPServerSession: Sendable {
    /// Fixed facts about the session, decided by the daemon before it starts.
    public struct Settings: Sendable {
        /// The name in the greeting, EHLO reply and Received field.
        public var hostname: String
        /// How the peer is described in Received: `[127.0.0.1]`, `local socket`.
        public var clientDescription: String
        /// Largest message in octets (RFC 1870).
        public var messageSizeLimit: UInt64
        /// Recipients accepted per message before `452 4.5.3`.
        public var recipientLimit: Int
        /// Domains delivered on this host (lower case).
        public var localDomains: Set<String>
        /// Longest command line in octets including CRLF (RFC 5321 §4.5.3.1.4: 512).
        public var commandLineLimit: Int = 512

        public init(hostname: String, clientDescription: String, messageSizeLimit: UInt64, recipientLimit: Int, localDomains: Set<String>) {
            self.hostname = hostname
            self.clientDescription = clientDescription
            self.messageSizeLimit = messageSizeLimit
            self.recipientLimit = recipientLimit
            self.localDomains = localDomains
        }
    }

    fileprivate struct Greeting: Sendable {
        var domain: String
        var extended: Bool
    }

    fileprivate enum State: Sendable {
        case connected
        case ready(Greeting)
        case transaction(Greeting, Envelope)
        /// DATA was accepted by the parser; waiting for the queue to open the message.
        case openingQueue(Greeting, Envelope)
        /// Content flows to the queue; once `refusal` is set (too big, queue failed) the
        /// rest is read and dropped, and the refusal is the reply after the end of data.
        case receivingData(Greeting, Envelope, DataReader, refusal: Reply?)
        /// The end of data was seen; waiting for the queue to commit.
        case committing(Greeting)
        /// A command line was longer than allowed; its rest is discarded up to CRLF.
        case discardingLine(previous: Box)
        case closed
    }

    /// Indirection so `State` can refer to itself.
    fileprivate final class Box: Sendable {
        let state: State
        init(_ state: State) { self.state = state }
    }

    fileprivate var state = State.connected
    private let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// True while the session waits for a queue answer and must not be fed input.
    public var isWaiting: Bool {
        switch state {
        case .openingQueue, .committing: true
        default: false
        }
    }

    /// True once QUIT was answered or the session was closed for an error.
    public var isClosed: Bool { if case .closed = state { true } else { false } }

    // MARK: Events

    /// The connection is open: the greeting (RFC 5321 §4.2, 220).
    public func start() -> [SMTPServerAction] {
        [.reply(Reply(220, "", "\(settings.hostname) ESMTP Tern")), .flush]
    }

    /// Consumes input up to one unit of work (one command line, or a run of DATA content).
    /// - Returns: the actions, empty when more input is needed or the session is waiting
    ///   for a queue answer.
    public mutating func advance(_ input: inout ByteBuffer) -> [SMTPServerAction] {
        switch state {
        case .receivingData(let greeting, let envelope, var reader, var refusal):
            let output = reader.read(&input)
            var actions: [SMTPServerAction] = []
            if refusal == nil && reader.contentLength > settings.messageSizeLimit {
                // RFC 1870 §6: no reply during the data; one 552 after the end of data.
                refusal = .messageTooBig
                actions.append(.abortQueue)
            } else if refusal == nil {
                actions += output.content.map(SMTPServerAction.writeContent)
            }
            guard output.ended else {
                enter(.receivingData(greeting, envelope, reader, refusal: refusal))
                return actions
            }
            if let refusal {
                enter(.ready(greeting))
                return actions + [.reply(refusal)]
            }
            enter(.committing(greeting))
            return actions + [.commitQueue]
        case .discardingLine(let previous):
            guard let end = input.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                input.moveReaderIndex(to: input.writerIndex)
                return []
            }
            input.moveReaderIndex(to: end + 1)
            enter(previous.state)
            return [.reply(.lineTooLong)]
        case .openingQueue, .committing, .closed:
            return []
        case .connected, .ready, .transaction:
            return commandLine(&input)
        }
    }

    /// The queue opened a transaction: prepend the Received field, invite the content.
    /// - Parameter now: the time for the Received field, Unix seconds.
    public mutating func queueOpened(_ id: QueueID, now: Int64) -> [SMTPServerAction] {
        guard case .openingQueue(let greeting, let envelope) = state else { return [] }
        enter(.receivingData(greeting, envelope, DataReader(), refusal: nil))
        let received = TraceHeaders.received(
            helo: greeting.domain, client: settings.clientDescription, host: settings.hostname,
            protocol: greeting.extended ? "ESMTP" : "SMTP", queueID: id,
            recipient: envelope.recipients.count == 1 ? envelope.recipients[0] : nil, unixSeconds: now)
        return [.writeContent(ByteBuffer(string: received)), .reply(.startData), .flush]
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
        case .openingQueue(let greeting, _), .committing(let greeting):
            enter(.ready(greeting))
            return [.reply(reply)]
        case .receivingData(let greeting, let envelope, let reader, let refusal):
            // The client is still sending: read the rest and refuse after the end of data.
            enter(.receivingData(greeting, envelope, reader, refusal: refusal ?? reply))
            return []
        default:
            return []
        }
    }

    // MARK: Commands

    private mutating func commandLine(_ input: inout ByteBuffer) -> [SMTPServerAction] {
        let view = input.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > settings.commandLineLimit {
                input.moveReaderIndex(to: input.writerIndex)
                enter(.discardingLine(previous: Box(state)))
            }
            return []
        }
        let lineLength = newline - view.startIndex + 1
        var line = Array(view[view.startIndex..<newline])
        input.moveReaderIndex(forwardBy: lineLength)
        guard line.last == UInt8(ascii: "\r") else {
            return [.reply(Reply(500, "5.5.2", "Error: bare LF received; lines must end with CRLF"))]
        }
        line.removeLast()
        guard lineLength <= settings.commandLineLimit else { return [.reply(.lineTooLong)] }
        switch SMTPCommand.parse(line) {
        case .failure(let error): return [.reply(error.reply)]
        case .success(let command): return handle(command)
        }
    }

    private mutating func handle(_ command: SMTPCommand) -> [SMTPServerAction] {
        switch (command, state) {
        case (.ehlo(let domain), _), (.helo(let domain), _):
            let extended = if case .ehlo = command { true } else { false }
            enter(.ready(Greeting(domain: domain, extended: extended)))
            guard extended else { return [.reply(Reply(250, "", settings.hostname))] }
            return [.reply(Reply(250, "", [settings.hostname, "PIPELINING", "SIZE \(settings.messageSizeLimit)",
                                           "8BITMIME", "ENHANCEDSTATUSCODES"]))]
        case (.quit, _):
            enter(.closed)
            return [.reply(Reply(221, "2.0.0", "Bye")), .close]
        case (.noop, _):
            return [.reply(.ok)]
        case (.help, _):
            return [.reply(Reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP"))]
        case (.vrfy, _):
            return [.reply(.cannotVerify)]
        case (.unknown, _):
            return [.reply(.syntaxError)]
        case (.rset, .transaction(let greeting, _)):
            enter(.ready(greeting))
            return [.reply(.resetOk)]
        case (.rset, _):
            return [.reply(.resetOk)]
        case (.mail, .connected), (.rcpt, .connected), (.data, .connected):
            return [.reply(.needHelo)]
        case (.mail(let reversePath, let parameters), .ready(let greeting)):
            switch mailEnvelope(reversePath, parameters, extended: greeting.extended) {
            case .failure(let error): return [.reply(error.reply)]
            case .success(let envelope):
                enter(.transaction(greeting, envelope))
                return [.reply(.senderOk)]
            }
        case (.mail, _):
            return [.reply(.nestedMail)]
        case (.rcpt, .ready):
            return [.reply(.needMail)]
        case (.rcpt(let forwardPath, let parameters), .transaction(let greeting, var envelope)):
            if let parameter = parameters.first { return [.reply(.unsupportedParameter(parameter.keyword))] }
            if let refusal = recipientRefusal(forwardPath) { return [.reply(refusal)] }
            guard envelope.recipients.count < settings.recipientLimit else { return [.reply(.tooManyRecipients)] }
            envelope.recipients.append(forwardPath)
            enter(.transaction(greeting, envelope))
            return [.reply(.recipientOk)]
        case (.data, .ready):
            return [.reply(.needMail)]
        case (.data, .transaction(let greeting, let envelope)):
            guard !envelope.recipients.isEmpty else { return [.reply(.needRecipient)] }
            enter(.openingQueue(greeting, envelope))
            return [.flush, .openQueue(envelope)]
        case (.rcpt, _), (.data, _):
            return [.reply(.badSequence)]
        }
    }

    /// MAIL parameters: SIZE (RFC 1870 §6) and BODY (RFC 6152); others get 555.
    private func mailEnvelope(_ reversePath: String, _ parameters: [SMTPCommand.Parameter], extended: Bool) -> Result<Envelope, ReplyError> {
        var envelope = Envelope(reversePath: reversePath, recipients: [])
        for parameter in parameters {
            guard extended else { return .failure(ReplyError(.unsupportedParameter(parameter.keyword))) }
            switch (parameter.keyword, parameter.value?.uppercased()) {
            case ("SIZE", let value?):
                guard let size = UInt64(value) else { return .failure(ReplyError(.badArgument("SIZE needs a number"))) }
                guard size <= settings.messageSizeLimit else { return .failure(ReplyError(.messageTooBig)) }
                envelope.declaredSize = size
            case ("BODY", "7BIT"): envelope.bodyType = .sevenBit
            case ("BODY", "8BITMIME"): envelope.bodyType = .eightBitMIME
            case ("BODY", _): return .failure(ReplyError(.badArgument("BODY must be 7BIT or 8BITMIME")))
            default: return .failure(ReplyError(.unsupportedParameter(parameter.keyword)))
            }
        }
        return .success(envelope)
    }

    /// Local domains are delivered here; anything else cannot be relayed yet.
    private func recipientRefusal(_ forwardPath: String) -> Reply? {
        if forwardPath.lowercased() == "postmaster" { return nil }
        guard let domain = MailAddress.domain(of: forwardPath) else { return .badArgument("address needs a domain") }
        guard settings.localDomains.contains(domain) else { return .relayDenied(domain) }
        guard MailboxName.isValid(localPart: MailAddress.localPart(of: forwardPath)) else {
            return .unknownUser(forwardPath)
        }
        return nil
    }

    /// The one place where the session changes state.
    private mutating func enter(_ next: State) { state = next }
}

extension SMTPServerSession {
    /// True from DATA until the queue's final answer: a queue transaction is open or opening.
    public var isInQueueTransaction: Bool {
        switch state {
        case .openingQueue, .receivingData, .committing: true
        default: false
        }
    }
}
