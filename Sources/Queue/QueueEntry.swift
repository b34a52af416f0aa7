// The scheduler's view of one queued message: the file's header, the saved state and
// whether a job runs for it. State changes happen in the mutating methods here only.
import MailCore

/// One message in the active queue.
struct QueueEntry: Sendable {
    var message: StoredMessage
    var state: MessageState
    /// A delivery or housekeeping job runs for this message.
    var inFlight = false
    /// Set once any attempt was made or the entry came from the start-up scan.
    var mayBeRedelivered: Bool
    /// Unix seconds before which a report that could not be written is not tried again.
    var housekeepingNotBefore: Int64 = 0

    init(message: StoredMessage, state: MessageState?, recovered: Bool) {
        self.message = message
        self.state = state ?? MessageState(recipientCount: message.header.envelope.recipients.count)
        mayBeRedelivered = recovered
    }

    var header: QueueFile.Header { message.header }

    /// Indices of recipients still to deliver.
    var openRecipients: [Int] {
        state.recipients.indices.filter { state.recipients[$0].state == .pending || state.recipients[$0].state == .deferred }
    }

    /// Failed recipients no report covers yet.
    var unreportedFailures: [Int] {
        state.recipients.indices.filter { state.recipients[$0].state == .bounced && !state.recipients[$0].reported }
    }

    /// True when no recipient needs another attempt or a report.
    var isFinished: Bool { openRecipients.isEmpty && unreportedFailures.isEmpty }

    /// True when a delivery attempt is due: not held, something open, and the next attempt
    /// time reached — or implausibly far away, which means the clock went back.
    func isDue(now: Int64, schedule: RetrySchedule) -> Bool {
        !state.held && !openRecipients.isEmpty && (state.nextAttempt <= now || state.nextAttempt - now > Int64(schedule.maximum))
    }

    /// True when the message has been queued for `lifetime` seconds.
    func isExpired(now: Int64, lifetime: Int64) -> Bool { now - header.arrival >= lifetime }

    /// Applies the replies of one attempt (one per index in `recipients`): 2xx delivered,
    /// 5xx failed, anything else deferred (the class decides, never the text).
    mutating func record(_ replies: [Reply], for recipients: [Int], now: Int64, schedule: RetrySchedule) {
        state.attempts += 1
        mayBeRedelivered = true
        for (index, recipient) in recipients.enumerated() {
            let reply = index < replies.count ? replies[index] : Reply.queueUnavailable
            state.recipients[recipient].lastReply = reply.description
            state.recipients[recipient].state = switch reply.replyClass {
            case 2: .delivered
            case 5: .bounced
            default: .deferred
            }
        }
        state.nextAttempt = openRecipients.isEmpty ? 0 : now + Int64(schedule.delay(afterAttempts: Int(state.attempts)))
    }

    /// Fails every open recipient with `reply` (lifetime over, or `mailctl queue expire`).
    mutating func expire(_ reply: Reply) {
        for index in openRecipients {
            let last = state.recipients[index].lastReply
            state.recipients[index].state = .bounced
            state.recipients[index].lastReply = reply.description + (last.isEmpty ? "" : "; last reply: " + last)
        }
    }

    /// The one-line reply of recipient `index`, parsed back into code and enhanced code.
    func reply(of index: Int) -> Reply {
        let text = state.recipients[index].lastReply
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, let code = Int(words[0]) else { return Reply(554, "5.0.0", text) }
        guard words[1].first?.isNumber == true else { return Reply(code, "", words.dropFirst().joined(separator: " ")) }
        return Reply(code, String(words[1]), words.count > 2 ? String(words[2]) : "")
    }
}
