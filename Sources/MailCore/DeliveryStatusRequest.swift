// What the sender asked of delivery status notifications (RFC 3461 §4): RET and ENVID on
// MAIL, NOTIFY and ORCPT on each RCPT. Parsed by tern-submitd, kept in the envelope,
// honoured by the queue's bounces.

/// `RET=` (RFC 3461 §4.3): how much of the message a DSN returns.
public enum DSNReturn: UInt8, Sendable {
    /// `RET=FULL`: the whole message.
    case full = 1
    /// `RET=HDRS`: the header section only.
    case headers = 2
}

/// `NOTIFY=` of one recipient (RFC 3461 §4.1).
public struct DSNNotify: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let success = DSNNotify(rawValue: 1)
    public static let failure = DSNNotify(rawValue: 2)
    public static let delay = DSNNotify(rawValue: 4)
    /// `NOTIFY=NEVER`; never combined with the others.
    public static let never = DSNNotify(rawValue: 8)
}

/// The DSN parameters of one recipient.
public struct RecipientDSN: Sendable, Hashable {
    /// Empty when the client gave no NOTIFY (the default: failure, and delay at the MTA's choice).
    public var notify: DSNNotify
    /// `ORCPT=` as `addr-type;address` with the xtext decoded, empty when not given.
    public var originalRecipient: String

    public init(notify: DSNNotify = [], originalRecipient: String = "") {
        self.notify = notify
        self.originalRecipient = originalRecipient
    }
}
