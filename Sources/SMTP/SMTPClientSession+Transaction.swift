// The mail transaction of the SMTP client: per-recipient results (RFC 5321 §3.3), every
// status checked when pipelining (RFC 2920 §3.1; cases C18), and the extensions a message
// needs checked before it is sent (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8 —
// no downgrade —, RFC 3461 DSN).
import MailCore

extension SMTPClientSession {
    /// After EHLO/HELO: STARTTLS when offered (or required), else ready.
    mutating func afterGreeting() -> [SMTPClientAction] {
        if !tlsActive && capabilities.startTLS && settings.tlsPossible {
            enter(.startTLS)
            return [.send("STARTTLS\r\n")]
        }
        if settings.tlsRequired && !tlsActive {
            return fail(Reply(451, "4.7.4", "TLS is required but the server does not offer STARTTLS"))
        }
        enter(.ready)
        return [.ready]
    }

    /// The server cannot take this message at all: a permanent refusal for every recipient.
    func refusal(for message: OutgoingMessage) -> Reply? {
        if message.needsSMTPUTF8 && !capabilities.smtpUTF8 {
            return Reply(553, "5.6.7", "the message needs SMTPUTF8, which the server does not offer")
        }
        if message.hasEightBitContent && !capabilities.eightBitMIME {
            return Reply(554, "5.6.3", "the message has 8-bit content and the server does not offer 8BITMIME")
        }
        if let limit = capabilities.size, limit > 0, message.size > limit {
            return Reply(552, "5.3.4", "the message is larger than the server's SIZE limit of \(limit) octets")
        }
        return nil
    }

    func mailCommand(_ message: OutgoingMessage) -> String {
        let envelope = message.envelope
        var command = "MAIL FROM:<\(envelope.reversePath)>"
        if capabilities.size != nil { command += " SIZE=\(message.size)" }
        if envelope.bodyType == .eightBitMIME && capabilities.eightBitMIME { command += " BODY=8BITMIME" }
        if message.needsSMTPUTF8 { command += " SMTPUTF8" }
        if capabilities.dsn {
            switch envelope.dsnReturn {
            case .full?: command += " RET=FULL"
            case .headers?: command += " RET=HDRS"
            case nil: break
            }
            if !envelope.envelopeID.isEmpty { command += " ENVID=\(XText.encode(envelope.envelopeID))" }
        }
        return command + "\r\n"
    }

    func rcptCommand(_ message: OutgoingMessage, _ index: Int) -> String {
        var command = "RCPT TO:<\(message.envelope.recipients[index])>"
        let dsn = message.envelope.dsn(ofRecipient: index)
        if capabilities.dsn {
            if !dsn.notify.isEmpty {
                let words = dsn.notify == .never ? ["NEVER"]
                    : [(DSNNotify.success, "SUCCESS"), (.failure, "FAILURE"), (.delay, "DELAY")].filter { dsn.notify.contains($0.0) }.map(\.1)
                command += " NOTIFY=" + words.joined(separator: ",")
            }
            if let semicolon = dsn.originalRecipient.firstIndex(of: ";") {
                command += " ORCPT=" + dsn.originalRecipient[..<semicolon] + ";"
                    + XText.encode(String(dsn.originalRecipient[dsn.originalRecipient.index(after: semicolon)...]))
            }
        }
        return command + "\r\n"
    }

    mutating func transactionReply(_ reply: Reply, _ transaction: inout Transaction) -> [SMTPClientAction] {
        guard let expected = transaction.expected.first else { return fail(reply) }
        transaction.expected.removeFirst()
        let count = transaction.message.envelope.recipients.count
        switch expected {
        case .mail:
            transaction.mailReply = reply
            if reply.replyClass != 2 {
                // Every recipient fails with MAIL's reply; pipelined replies still to come are read.
                transaction.recipientReplies = Array(repeating: reply, count: count)
                if !transaction.pipelined { return finishFailed(transaction) }
            } else if !transaction.pipelined {
                transaction.expected = [.recipient(0)]
                enter(.transaction(transaction))
                return [.send(rcptCommand(transaction.message, 0))]
            }
        case .recipient(let index):
            if transaction.mailReply?.replyClass == 2 { transaction.recipientReplies[index] = reply }
            if !transaction.pipelined {
                if index + 1 < count {
                    transaction.expected = [.recipient(index + 1)]
                    enter(.transaction(transaction))
                    return [.send(rcptCommand(transaction.message, index + 1))]
                }
                guard !transaction.accepted.isEmpty else { return finishFailed(transaction) }
                transaction.expected = [.data]
                enter(.transaction(transaction))
                return [.send("DATA\r\n")]
            }
        case .data:
            transaction.dataReply = reply
            if reply.code == 354 && !transaction.accepted.isEmpty {
                enter(.sendingContent(transaction))
                return [.sendContent]
            }
            if reply.code == 354 {
                // A server that opened DATA with no valid recipient: a lone "." delivers nothing.
                enter(.abortingData(transaction))
                return [.transactionDone(results(transaction, accepted: reply)), .send(".\r\n")]
            }
            return finishFailed(transaction)
        }
        enter(.transaction(transaction))
        return []
    }

    /// The transaction ended before any content: results now, then RSET.
    private mutating func finishFailed(_ transaction: Transaction) -> [SMTPClientAction] {
        let fallback = transaction.dataReply ?? transaction.mailReply ?? Reply(451, "4.3.0", "transaction failed")
        return [.transactionDone(results(transaction, accepted: fallback))] + reset()
    }

    /// Each recipient's reply: accepted ones take `accepted`'s (the end-of-data reply, or
    /// the DATA refusal).
    func results(_ transaction: Transaction, accepted: Reply) -> [Reply] {
        transaction.recipientReplies.map { reply in
            guard let reply else { return accepted }
            return reply.replyClass == 2 ? accepted : reply
        }
    }

    mutating func reset() -> [SMTPClientAction] {
        enter(.resetting)
        return [.send("RSET\r\n")]
    }

    /// Ends the session: the server cannot be used.
    mutating func fail(_ reply: Reply) -> [SMTPClientAction] {
        enter(.closed)
        return [.connectionFailed(reply), .close]
    }

    /// Server text is untrusted: control characters become "?", and the text is bounded,
    /// before it reaches logs or bounces.
    static func sanitized(_ reply: Reply) -> Reply {
        Reply(reply.code, reply.enhanced, reply.lines.prefix(10).map { clean($0) })
    }

    static func clean(_ text: String) -> String {
        String(PeerText.printable(text).prefix(512))
    }
}
