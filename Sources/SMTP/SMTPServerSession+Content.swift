// Message content in the session: DATA (RFC 5321 §4.1.1.4, dot-unstuffed, ended only by
// <CRLF>.<CRLF>) and BDAT chunks (RFC 3030 §2, exact octet counts, never scanned). One
// reply comes after the end of the content, never during it (RFC 1870 §6).
import MailCore
import NIOCore

extension SMTPServerSession {
    mutating func receiveData(_ input: inout ByteBuffer, _ greeting: Greeting, _ reader: inout DataReader,
                              _ content: inout IncomingContent) -> [SMTPServerAction] {
        let output = reader.read(&input)
        let (write, refusedNow) = content.take(output.content)
        var actions: [SMTPServerAction] = refusedNow ? [.abortQueue] : []
        actions += write.map(SMTPServerAction.writeContent)
        guard output.ended else {
            enter(.receivingData(greeting, reader, content))
            return actions
        }
        if let problem = contentProblem(reader), content.refuse(problem).newlyRefused { actions.append(.abortQueue) }
        return actions + endOfContent(greeting, &content)
    }

    mutating func receiveChunk(_ input: inout ByteBuffer, _ greeting: Greeting, _ content: inout IncomingContent,
                               remaining: Int, last: Bool, queueOpen: Bool) -> [SMTPServerAction] {
        let count = min(remaining, input.readableBytes)
        if count == 0 && remaining > 0 { return [] }
        let piece = input.readSlice(length: count)!
        let (write, refusedNow) = content.take([piece])
        var actions: [SMTPServerAction] = refusedNow && queueOpen ? [.abortQueue] : []
        if queueOpen { actions += write.map(SMTPServerAction.writeContent) }
        guard remaining == count else {
            enter(.receivingChunk(greeting, content, remaining: remaining - count, last: last, queueOpen: queueOpen))
            return actions
        }
        if content.refusal == nil && !last {
            enter(.betweenChunks(greeting, content))
            return actions + [.reply(Reply(250, "2.0.0", "Ok: \(content.octets) octets received"))]
        }
        return actions + endOfContent(greeting, &content)
    }

    /// After the last octet: the refusal, or commit.
    private mutating func endOfContent(_ greeting: Greeting, _ content: inout IncomingContent) -> [SMTPServerAction] {
        if let refusal = content.refusal {
            enter(.ready(greeting))
            return [.reply(refusal)]
        }
        let rest = content.finish().map(SMTPServerAction.writeContent)
        enter(.committing(greeting))
        return rest + [.commitQueue]
    }

    /// What the whole DATA content shows that makes it unacceptable (cases C01, C04):
    /// a bare CR or LF, a line over the limit, or NUL at submission.
    private func contentProblem(_ reader: DataReader) -> Reply? {
        if reader.sawBareLineEnd { return Reply(554, "5.6.0", "Error: bare <CR> or <LF> in message content is not allowed") }
        if reader.longestLine > settings.textLineLimit {
            return Reply(554, "5.6.0", "Error: message has a line longer than \(settings.textLineLimit) octets")
        }
        if reader.sawNUL && settings.isLocalSubmission { return Reply(554, "5.6.0", "Error: message contains NUL octets") }
        return nil
    }
}
