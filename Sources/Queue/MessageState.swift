// The changing part of a queued message: per-recipient state, attempts, the next attempt
// time, hold and the notices already sent. Kept beside the immutable queue file in
// `queue/state/ID` (protocols/queue-format.md §State file), replaced atomically.
import MailCore

/// What the queue knows about one message's delivery so far.
public struct MessageState: Sendable, Equatable {
    /// One recipient's progress.
    public struct Recipient: Sendable, Equatable {
        public var state: RecipientState
        /// True once a failure DSN (or the postmaster hold) covered this recipient.
        public var reported: Bool
        /// The last reply that concerned this recipient, on one line; empty before the first.
        public var lastReply: String

        public init(state: RecipientState = .pending, reported: Bool = false, lastReply: String = "") {
            self.state = state
            self.reported = reported
            self.lastReply = lastReply
        }
    }

    /// Delivery attempts made so far.
    public var attempts: UInt32
    /// Unix seconds of the next attempt; 0 = due now.
    public var nextAttempt: Int64
    /// On hold (`mailctl queue hold`, or an undeliverable bounce kept for the postmaster):
    /// never attempted until released.
    public var held: Bool
    /// True once the delay warning (RFC 3464 `Action: delayed`) was sent.
    public var delayWarned: Bool
    public var recipients: [Recipient]

    public init(attempts: UInt32 = 0, nextAttempt: Int64 = 0, held: Bool = false, delayWarned: Bool = false, recipients: [Recipient]) {
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.held = held
        self.delayWarned = delayWarned
        self.recipients = recipients
    }

    /// The state of a message nobody has tried yet.
    public init(recipientCount: Int) {
        self.init(recipients: Array(repeating: Recipient(), count: recipientCount))
    }
}
