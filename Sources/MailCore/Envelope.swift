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
    /// The `SMTPUTF8` parameter of MAIL (RFC 6531 §3.4): addresses may be UTF-8.
    public var smtpUTF8: Bool = false
    /// `RET=` of MAIL (RFC 3461 §4.3), nil when not given.
    public var dsnReturn: DSNReturn?
    /// `ENVID=` of MAIL with the xtext decoded (RFC 3461 §4.4), empty when not given.
    public var envelopeID: String = ""
    /// The DSN parameters of each recipient, parallel to `recipients`; empty when no
    /// recipient had any (so every recipient has the defaults).
    public var recipientDSN: [RecipientDSN] = []

    public init(reversePath: String, recipients: [String], bodyType: BodyType = .sevenBit, declaredSize: UInt64 = 0) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.bodyType = bodyType
        self.declaredSize = declaredSize
    }

    /// The DSN parameters of recipient `index` (defaults when none were given).
    public func dsn(ofRecipient index: Int) -> RecipientDSN {
        index < recipientDSN.count ? recipientDSN[index] : RecipientDSN()
    }

    /// Adds a recipient with its DSN parameters, keeping `recipientDSN` parallel.
    public mutating func append(recipient: String, dsn: RecipientDSN) {
        if dsn != RecipientDSN() || !recipientDSN.isEmpty {
            while recipientDSN.count < recipients.count { recipientDSN.append(RecipientDSN()) }
            recipientDSN.append(dsn)
        }
        recipients.append(recipient)
    }
}
