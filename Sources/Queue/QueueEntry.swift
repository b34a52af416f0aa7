// The scheduler's view of one queued message: per-recipient state, attempts and the next
// attempt time. Transitions happen in `record(_:now:schedule:)` only.
import MailCore

/// One message in the active queue.
struct QueueEntry: Sendable {
    var message: StoredMessage
    var states: [RecipientState]
    var lastReplies: [String]
    var attempts = 0
    /// Unix seconds; 0 = due now.
    var nextAttempt: Int64 = 0
    var inFlight = false
    /// Set once any attempt was made or the entry came from the start-up scan.
    var mayBeRedelivered: Bool

    init(message: StoredMessage, recovered: Bool) {
        self.message = message
        let count = message.header.envelope.recipients.count
        states = Array(repeating: .pending, count: count)
        lastReplies = Array(repeating: "", count: count)
        mayBeRedelivered = recovered
    }

    /// Indices of recipients still to deliver.
    var openRecipients: [Int] { states.indices.filter { states[$0] == .pending || states[$0] == .deferred } }

    /// True when no recipient needs another attempt.
    var isFinished: Bool { openRecipients.isEmpty }

    /// Applies the replies of one attempt (one per index in `recipients`): 2xx delivered,
    /// 5xx bounced, anything else deferred (the class decides, never the text).
    mutating func record(_ replies: [Reply], for recipients: [Int], now: Int64, schedule: RetrySchedule) {
        attempts += 1
        mayBeRedelivered = true
        inFlight = false
        for (index, recipient) in recipients.enumerated() {
            let reply = index < replies.count ? replies[index] : Reply.queueUnavailable
            lastReplies[recipient] = reply.description
            states[recipient] = switch reply.replyClass {
            case 2: .delivered
            case 5: .bounced
            default: .deferred
            }
        }
        nextAttempt = isFinished ? 0 : now + Int64(schedule.delay(afterAttempts: attempts))
    }
}
