// What an SMTP server session may do and how much it accepts, decided by tern-submitd
// before the session starts (from tern.conf and the kind of socket). Every limit has a
// default that follows RFC 5321 §4.5.3 or common practice (Postfix's defaults in brackets).

/// The fixed settings of one SMTP server session.
public struct SMTPServerSettings: Sendable {
    /// The name in the greeting, EHLO reply and Received field.
    public var hostname: String
    /// How the peer is described in Received: `[127.0.0.1]`, `local socket, uid 1000`.
    public var clientDescription: String
    /// Domains delivered on this host (lower case).
    public var localDomains: Set<String>
    /// Largest message in octets (RFC 1870) [message_size_limit 10240000].
    public var messageSizeLimit: UInt64 = 10_240_000
    /// Recipients per message before `452 4.5.3`; never below 100 (RFC 5321 §4.5.3.1.8).
    public var recipientLimit: Int = 1000 {
        didSet { recipientLimit = max(100, recipientLimit) }
    }
    /// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4).
    public var commandLineLimit: Int = 512
    /// Longest text line of a message, CRLF included (RFC 5321 §4.5.3.1.6).
    public var textLineLimit: Int = 1000
    /// Largest header section, octets [header_size_limit 102400].
    public var headerSectionLimit: Int = 102_400
    /// NOOP, RSET, VRFY, EXPN and HELP allowed per session before `421` [smtpd_junk_command_limit 100].
    public var junkCommandLimit: Int = 100
    /// Error replies allowed per session before `421` [smtpd_hard_error_limit 20].
    public var errorLimit: Int = 20
    /// Mail for non-local domains is accepted: the local socket or a relay network.
    public var relayPermitted: Bool = false
    /// Recipients in local domains are looked up at RCPT (`checkRecipient`); off when
    /// every well-formed local part has a mailbox (`local_recipients = any`).
    public var checksLocalRecipients: Bool = true
    /// A local submission (RFC 6409 §8): add a missing Date and Message-ID, refuse NUL.
    public var isLocalSubmission: Bool = false
    /// STARTTLS can be offered (a certificate is configured).
    public var tlsAvailable: Bool = false
    /// AUTH can be offered once TLS is active (a credentials file is configured).
    public var authAvailable: Bool = false

    public init(hostname: String, clientDescription: String, localDomains: Set<String>) {
        self.hostname = hostname
        self.clientDescription = clientDescription
        self.localDomains = localDomains
    }
}
