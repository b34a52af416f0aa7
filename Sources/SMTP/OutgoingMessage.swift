// A message as the SMTP client sends it: its envelope and the facts about its content
// that decide whether and how it may go to a given server.
import MailCore

/// One message for one SMTP transaction.
public struct OutgoingMessage: Sendable {
    /// The reverse-path and the forward-paths for this transaction (with DSN parameters).
    public var envelope: Envelope
    /// Content size in octets (the SIZE parameter, RFC 1870 §3).
    public var size: UInt64
    /// True when the content has octets above 127 (needs 8BITMIME, RFC 6152 §3).
    public var hasEightBitContent: Bool

    public init(envelope: Envelope, size: UInt64, hasEightBitContent: Bool) {
        self.envelope = envelope
        self.size = size
        self.hasEightBitContent = hasEightBitContent
    }

    /// True when an address is not ASCII: it cannot be sent without SMTPUTF8 (RFC 6531 §3.2,
    /// no downgrade).
    public var needsSMTPUTF8: Bool {
        envelope.smtpUTF8 || !([envelope.reversePath] + envelope.recipients).allSatisfy(MailAddress.isASCII)
    }
}
