// What tern-mtad asks tern-deliverd to do for one queued message, and the summaries
// mailctl shows for the queue and for a mailbox.

/// One local delivery of a queued message to some of its recipients.
public struct DeliveryRequest: Sendable, Hashable {
    public var queueID: QueueID
    /// Empty for the null reverse-path.
    public var reversePath: String
    /// When the queue accepted the message, in Unix seconds.
    public var arrival: Int64
    /// Set when an earlier attempt may already have placed a copy (a retry, or a message
    /// found by the start-up scan); deliverd then looks for it before writing.
    public var mayBeRedelivery: Bool
    public var recipients: [String]

    public init(queueID: QueueID, reversePath: String, arrival: Int64, mayBeRedelivery: Bool, recipients: [String]) {
        self.queueID = queueID
        self.reversePath = reversePath
        self.arrival = arrival
        self.mayBeRedelivery = mayBeRedelivery
        self.recipients = recipients
    }
}

/// The state of one recipient of a queued message.
public enum RecipientState: UInt8, Sendable {
    case pending = 0, delivered = 1, deferred = 2, bounced = 3
}

/// One queued message as `mailctl queue` lists it.
public struct QueueSummary: Sendable, Hashable {
    public struct Recipient: Sendable, Hashable {
        public var address: String
        public var state: RecipientState
        /// The last reply that concerned this recipient, empty when there was none.
        public var lastReply: String
        public init(address: String, state: RecipientState, lastReply: String) {
            self.address = address
            self.state = state
            self.lastReply = lastReply
        }
    }

    public var queueID: QueueID
    /// Message size in octets.
    public var size: UInt64
    /// Unix seconds.
    public var arrival: Int64
    public var reversePath: String
    /// Unix seconds of the next delivery attempt, 0 when due now.
    public var nextAttempt: Int64
    /// Delivery attempts made so far.
    public var attempts: UInt32
    /// On hold: not attempted until released.
    public var held: Bool
    public var recipients: [Recipient]

    public init(queueID: QueueID, size: UInt64, arrival: Int64, reversePath: String, nextAttempt: Int64,
                attempts: UInt32 = 0, held: Bool = false, recipients: [Recipient]) {
        self.queueID = queueID
        self.size = size
        self.arrival = arrival
        self.reversePath = reversePath
        self.nextAttempt = nextAttempt
        self.attempts = attempts
        self.held = held
        self.recipients = recipients
    }
}

/// One message in a Maildir as `mailctl mailbox` lists it.
public struct MailboxSummary: Sendable, Hashable {
    /// 1-based position in delivery order, the number `mailctl read` takes.
    public var number: UInt32
    /// Delivery time, Unix seconds.
    public var date: Int64
    public var from: String
    public var subject: String
    /// Octets on disk.
    public var size: UInt64
    /// True once the message is in `cur/` with the `S` flag.
    public var seen: Bool

    public init(number: UInt32, date: Int64, from: String, subject: String, size: UInt64, seen: Bool) {
        self.number = number
        self.date = date
        self.from = from
        self.subject = subject
        self.size = size
        self.seen = seen
    }
}
