// Commands in the session (RFC 5321 §4.1.1, §4.3.2 for the order): 503 for the wrong
// order, 501 for bad syntax, 500 for unknown commands, 555 for unknown parameters, each
// with its RFC 3463 enhanced code; STARTTLS (RFC 3207), AUTH (RFC 4954), BDAT (RFC 3030).
import MailCore
import NIOCore

extension SMTPServerSession {
    mutating func commandLine(_ input: inout ByteBuffer) -> [SMTPServerAction] {
        guard let end = Self.endOfLine(in: input) else {
            if input.readableBytes > settings.commandLineLimit {
                input.moveReaderIndex(to: input.writerIndex - 1)
                enter(.discardingLine(previous: Box(state)))
            }
            return []
        }
        let lineLength = end - input.readerIndex
        let line = Array(input.readBytes(length: lineLength)!.dropLast(2))
        guard lineLength <= settings.commandLineLimit else { return countError(.lineTooLong) }
        // Only CRLF ends a line; a bare CR or LF inside one refuses the whole line (RFC 5321 §2.3.8).
        guard !line.contains(UInt8(ascii: "\n")), !line.contains(UInt8(ascii: "\r")) else {
            return countError(Reply(500, "5.5.2", "Error: bare <CR> or <LF> in a command; lines end with <CR><LF>"))
        }
        if case .authenticating(let greeting, let exchange) = state {
            return authResponse(String(decoding: line, as: UTF8.self), greeting, exchange)
        }
        switch SMTPCommand.parse(line) {
        case .failure(let error): return countError(error.reply)
        case .success(let command):
            let actions = handle(command)
            if case .startingTLS = state { input.moveReaderIndex(to: input.writerIndex) }
            return actions
        }
    }

    private mutating func handle(_ command: SMTPCommand) -> [SMTPServerAction] {
        switch command {
        case .noop, .rset, .vrfy, .expn, .help:
            junkCommands += 1
            if junkCommands > settings.junkCommandLimit {
                enter(.closed)
                return [.reply(Reply(421, "4.7.0", "\(settings.hostname) Error: too many commands without mail")), .close]
            }
        default: break
        }
        switch (command, state) {
        case (.quit, _):
            let abort: [SMTPServerAction] = if case .betweenChunks = state { [.abortQueue] } else { [] }
            enter(.closed)
            return abort + [.reply(Reply(221, "2.0.0", "Bye")), .close]
        case (.rset, .betweenChunks(let greeting, _)):
            enter(.ready(greeting))
            return [.abortQueue, .reply(.resetOk)]
        case (.rset, .transaction(let greeting, _)):
            enter(.ready(greeting))
            return [.reply(.resetOk)]
        case (.rset, _), (.noop, _):
            return [.reply(.ok)]
        case (.help, _):
            return [.reply(Reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH"))]
        case (.vrfy, _):
            return [.reply(.cannotVerify)]
        case (.expn, _):
            return countError(Reply(502, "5.5.1", "Error: EXPN is not available"))
        case (.unknown, _):
            return countError(.syntaxError)
        case (.bdat(let size, let last), .betweenChunks(let greeting, let content)):
            enter(.receivingChunk(greeting, content, remaining: size, last: last, queueOpen: true))
            return []
        case (.bdat(let size, let last), .transaction(let greeting, let envelope)):
            guard !envelope.recipients.isEmpty else { return refuseChunk(size, last, greeting, .needRecipient) }
            enter(.openingQueue(greeting, envelope, .chunk(size: size, last: last)))
            return [.openQueue(envelope)]
        case (.bdat(let size, let last), .ready(let greeting)):
            return refuseChunk(size, last, greeting, .needMail)
        case (_, .betweenChunks):
            // DATA, MAIL, RCPT, EHLO... inside a BDAT transaction (RFC 3030 §2).
            return countError(Reply(503, "5.5.1", "Error: only BDAT, RSET, NOOP or QUIT during a BDAT transfer"))
        case (.ehlo(let domain), _), (.helo(let domain), _):
            let extended = if case .ehlo = command { true } else { false }
            enter(.ready(Greeting(domain: domain, extended: extended)))
            return [.reply(extended ? ehloReply() : Reply(250, "", settings.hostname))]
        case (.startTLS, .ready), (.startTLS, .connected):
            guard settings.tlsAvailable && !tlsActive else {
                return countError(Reply(tlsActive ? 503 : 502, "5.5.1", tlsActive ? "Error: TLS already active" : "Error: STARTTLS not available"))
            }
            enter(.startingTLS)
            return [.reply(Reply(220, "2.0.0", "Ready to start TLS")), .startTLS]
        case (.auth(let mechanism, let initial), .ready(let greeting)):
            return startAuth(mechanism, initial, greeting)
        case (_, .connected):
            return countError(.needHelo)
        case (.mail(let reversePath, let parameters), .ready(let greeting)):
            var envelope = Envelope(reversePath: reversePath, recipients: [])
            if let refusal = TransactionParameters.mail(parameters, to: &envelope, sizeLimit: settings.messageSizeLimit) {
                return countError(refusal)
            }
            if !envelope.smtpUTF8 && !MailAddress.isASCII(reversePath) { return countError(.needSMTPUTF8) }
            enter(.transaction(greeting, envelope))
            junkCommands = 0
            return [.reply(.senderOk)]
        case (.mail, .transaction):
            return countError(.nestedMail)
        case (.rcpt(let forwardPath, let parameters), .transaction(let greeting, var envelope)):
            let dsn: RecipientDSN
            switch TransactionParameters.recipient(parameters) {
            case .failure(let error): return countError(error.reply)
            case .success(let parsed): dsn = parsed
            }
            if !envelope.smtpUTF8 && !MailAddress.isASCII(forwardPath) { return countError(.needSMTPUTF8) }
            if let refusal = recipientRefusal(forwardPath) { return countError(refusal) }
            guard envelope.recipients.count < settings.recipientLimit else { return [.reply(.tooManyRecipients)] }
            if needsLookup(forwardPath) {
                enter(.checkingRecipient(greeting, envelope, forwardPath, dsn))
                return [.checkRecipient(forwardPath)]
            }
            envelope.append(recipient: forwardPath, dsn: dsn)
            enter(.transaction(greeting, envelope))
            return [.reply(.recipientOk)]
        case (.rcpt, .ready), (.data, .ready):
            return countError(.needMail)
        case (.data, .transaction(let greeting, let envelope)):
            guard !envelope.recipients.isEmpty else { return countError(.needRecipient) }
            enter(.openingQueue(greeting, envelope, .data))
            return [.flush, .openQueue(envelope)]
        case (.startTLS, _), (.auth, _), (.mail, _), (.rcpt, _), (.data, _), (.bdat, _):
            return countError(.badSequence)
        }
    }

    /// A BDAT that cannot start a transfer still has its octets read (never run as commands).
    private mutating func refuseChunk(_ size: Int, _ last: Bool, _ greeting: Greeting, _ reply: Reply) -> [SMTPServerAction] {
        errors += 1
        enter(.receivingChunk(greeting, IncomingContent(refusedWith: reply), remaining: size, last: last, queueOpen: false))
        return []
    }

    private func ehloReply() -> Reply {
        var lines = [settings.hostname, "PIPELINING", "SIZE \(settings.messageSizeLimit)", "8BITMIME", "SMTPUTF8",
                     "ENHANCEDSTATUSCODES", "DSN", "CHUNKING"]
        if settings.tlsAvailable && !tlsActive { lines.append("STARTTLS") }
        if settings.authAvailable && tlsActive && authenticatedUser == nil { lines.append("AUTH PLAIN LOGIN") }
        return Reply(250, "", lines)
    }

    /// Local domains (and `<Postmaster>`) are delivered here; other domains only for the
    /// local socket, relay networks and authenticated clients (RFC 5321 §3.6, §7.1).
    private func recipientRefusal(_ forwardPath: String) -> Reply? {
        if forwardPath.lowercased() == "postmaster" { return nil }
        guard let domain = MailAddress.domain(of: forwardPath) else { return .badArgument("address needs a domain") }
        guard settings.localDomains.contains(domain) else {
            return settings.relayPermitted ? nil : Reply(554, "5.7.1", "<\(forwardPath)>: Relay access denied")
        }
        guard MailboxName.isValid(localPart: MailAddress.localPart(of: forwardPath)) else { return .unknownUser(forwardPath) }
        return nil
    }

    /// Local addresses other than postmaster (which always exists, RFC 5321 §4.5.1) are
    /// looked up, so an unknown user is refused now, never accepted and bounced later.
    private func needsLookup(_ forwardPath: String) -> Bool {
        guard settings.checksLocalRecipients, let domain = MailAddress.domain(of: forwardPath),
              settings.localDomains.contains(domain) else { return false }
        return MailAddress.localPart(of: forwardPath).lowercased() != "postmaster"
    }

    private mutating func startAuth(_ mechanism: String, _ initial: String?, _ greeting: Greeting) -> [SMTPServerAction] {
        guard tlsActive else { return countError(Reply(538, "5.7.11", "Error: encryption required for authentication")) }
        guard settings.authAvailable, authenticatedUser == nil else { return countError(.badSequence) }
        switch AuthExchange.start(mechanism: mechanism) {
        case .failure(let error): return countError(error.reply)
        case .success(let exchange):
            if let initial { return authResponse(initial, greeting, exchange) }
            enter(.authenticating(greeting, exchange))
            return [.reply(Reply(334, "", exchange.firstChallenge))]
        }
    }

    private mutating func authResponse(_ line: String, _ greeting: Greeting, _ exchange: AuthExchange) -> [SMTPServerAction] {
        switch exchange.respond(line) {
        case .failed(let reply):
            enter(.ready(greeting))
            return countError(reply)
        case .challenge(let text, let next):
            enter(.authenticating(greeting, next))
            return [.reply(Reply(334, "", text))]
        case .credentials(let user, let password):
            enter(.checkingCredentials(greeting))
            return [.authenticate(user: user, password: password)]
        }
    }
}
