// The SMTP envelope (RFC 5321 §2.3.1): reverse-path, forward-paths and the MAIL parameters
// that travel with the message.

/// The declared body type of a message (RFC 6152 `BODY=`).
public enum BodyType: UInt8, Sendable {
    case sevenBit = 0
    case eightBitMIME = 1
}

/// What a message carries outside its content.
public struct Envelope: Sendable, Hashable {
    /// The reverse-path mailbox without angle brackets; empty for the null reverse-path `<>`.
    public var reversePath: String
    /// The forward-paths (recipient mailboxes), in RCPT order, without angle brackets.
    public var recipients: [String]
    /// The `BODY=` parameter of MAIL.
    public var bodyType: BodyType
    /// The `SIZE=` parameter of MAIL in octets, 0 when not declared (RFC 1870).
    public var declaredSize: UInt64
    /// NOTIFY, RET and ENVID (RFC 3461); kept in the queue file, not carried by ENQUEUE yet.
    public var dsn: DSNOptions

    public init(reversePath: String, recipients: [String], bodyType: BodyType = .sevenBit, declaredSize: UInt64 = 0,
                dsn: DSNOptions = DSNOptions()) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.bodyType = bodyType
        self.declaredSize = declaredSize
        self.dsn = dsn
    }
}
