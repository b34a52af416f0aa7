// Delivery status notification requests of an envelope (RFC 3461 §4): NOTIFY per
// recipient, RET and ENVID per message. tern-submitd does not parse them yet, so every
// field has the default RFC 3461 leaves to the MTA: failures reported, delays too, headers
// returned.

/// What RET asked to be returned in a failure report (RFC 3461 §4.3).
public enum ReturnContent: UInt8, Sendable {
    /// RET not given: the MTA decides; Tern returns the headers.
    case unspecified = 0
    /// `RET=FULL`: the whole message.
    case full = 1
    /// `RET=HDRS`: the header section only.
    case headers = 2
}

/// The NOTIFY conditions of one recipient (RFC 3461 §4.1).
public struct NotifyConditions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = NotifyConditions(rawValue: 1)
    public static let failure = NotifyConditions(rawValue: 2)
    public static let delay = NotifyConditions(rawValue: 4)
    /// `NOTIFY=NEVER`: no report at all.
    public static let never = NotifyConditions(rawValue: 8)

    /// NOTIFY not given (the empty set): failures and delays are reported.
    public var reportsFailure: Bool { isEmpty || contains(.failure) }
    /// True when a delay warning may be sent.
    public var reportsDelay: Bool { isEmpty || contains(.delay) }
}

/// The DSN parameters of one message.
public struct DSNOptions: Sendable, Hashable {
    /// `ENVID` (RFC 3461 §4.4), as xtext-decoded text; empty when not given.
    public var envelopeID: String
    public var returnContent: ReturnContent
    /// One entry per recipient, in envelope order; missing entries mean NOTIFY not given
    /// (a list without any NOTIFY is kept empty, so equal options compare equal).
    public var notify: [NotifyConditions]

    public init(envelopeID: String = "", returnContent: ReturnContent = .unspecified, notify: [NotifyConditions] = []) {
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.notify = notify.allSatisfy(\.isEmpty) ? [] : notify
    }

    /// The NOTIFY conditions of recipient `index`.
    public func notify(for index: Int) -> NotifyConditions { index < notify.count ? notify[index] : [] }
}
