// Delivery status notifications (RFC 3464) as RFC 6522 `multipart/report` messages from
// the null reverse-path: a human-readable part, a `message/delivery-status` part with one
// per-recipient block, and the original message's header section (`text/rfc822-headers`)
// or, for a failure report of a RET=FULL message (RFC 3461 §4.3), the whole message
// (`message/rfc822`). Pure: the original's octets are copied in between `prefix` and
// `suffix` by the caller, so a large message is never held in memory.
import MailCore

/// One DSN about one queued message.
public struct DeliveryReport: Sendable {
    /// RFC 3464 §2.3.3 actions Tern reports.
    public enum Kind: Sendable { case failed, delayed }

    /// One recipient the report is about.
    public struct Recipient: Sendable {
        public var address: String
        /// The last reply for this recipient (its code, enhanced code and text).
        public var reply: Reply
        public init(address: String, reply: Reply) {
            self.address = address
            self.reply = reply
        }
    }

    public var kind: Kind
    /// The reporting MTA's host name (RFC 3464 §2.2.2).
    public var hostname: String
    /// The queue ID of the report itself (Message-ID and MIME boundary).
    public var reportID: QueueID
    /// The message reported on.
    public var original: QueueFile.Header
    public var recipients: [Recipient]
    /// Unix seconds: the report's Date and each Last-Attempt-Date.
    public var now: Int64
    /// Unix seconds until which delivery is retried (delay reports, RFC 3464 §2.3.9).
    public var retryUntil: Int64

    public init(kind: Kind, hostname: String, reportID: QueueID, original: QueueFile.Header, recipients: [Recipient],
                now: Int64, retryUntil: Int64) {
        self.kind = kind
        self.hostname = hostname
        self.reportID = reportID
        self.original = original
        self.recipients = recipients
        self.now = now
        self.retryUntil = retryUntil
    }

    /// The report's envelope: from `<>` (RFC 3464 §2, RFC 5321 §4.5.5) to the original
    /// sender, who must not be the null reverse-path (never a bounce of a bounce).
    public var envelope: Envelope { Envelope(reversePath: "", recipients: [original.envelope.reversePath]) }

    /// True when the third part carries the whole original message.
    public var returnsFullMessage: Bool { kind == .failed && original.envelope.dsnReturn == .full }

    private var boundary: String { "\(reportID)/\(Self.ascii(hostname))" }

    /// Everything before the original's octets (CRLF line ends).
    public var prefix: [UInt8] {
        let host = Self.ascii(hostname)
        let failed = kind == .failed
        var lines = [
            "From: Mail Delivery System <MAILER-DAEMON@\(host)>",
            "To: <\(Self.ascii(original.envelope.reversePath))>",
            "Subject: " + (failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)"),
            "Date: \(InternetDate.format(unixSeconds: now))",
            "Message-ID: <\(reportID).report@\(host)>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status;",
            "\tboundary=\"\(boundary)\"",
            "",
            "This is a MIME-encapsulated message.",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "This is the mail system at host \(host).",
            "",
        ]
        lines += failed
            ? ["I'm sorry to have to inform you that your message could not",
               "be delivered to one or more recipients. It's attached below.", ""]
            : ["Your message could not be delivered yet to one or more recipients.",
               "The mail system will keep trying until \(InternetDate.format(unixSeconds: retryUntil)).",
               "You do not need to resend it.", ""]
        for recipient in recipients {
            lines.append("<\(Self.ascii(recipient.address))>: \(Self.ascii(recipient.reply.description))")
        }
        lines += ["", "--\(boundary)", "Content-Type: message/delivery-status", ""]
        lines += perMessageFields + [""]
        for recipient in recipients {
            lines += fields(for: recipient) + [""]
        }
        lines += ["--\(boundary)", "Content-Type: " + (returnsFullMessage ? "message/rfc822" : "text/rfc822-headers"), "", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Everything after the original's octets.
    public var suffix: [UInt8] { Array("\r\n--\(boundary)--\r\n".utf8) }

    private var perMessageFields: [String] {
        var fields = ["Reporting-MTA: dns; \(Self.ascii(hostname))", "X-Tern-Queue-ID: \(original.queueID)"]
        let envid = original.envelope.envelopeID
        if !envid.isEmpty { fields.append("Original-Envelope-Id: \(Self.ascii(envid))") }
        fields.append("Arrival-Date: \(InternetDate.format(unixSeconds: original.arrival))")
        return fields
    }

    private func fields(for recipient: Recipient) -> [String] {
        // RFC 3464 §2.3.4: a failed recipient's status is 5.X.X, a delayed one's 4.X.X.
        let detail = recipient.reply.enhanced.isEmpty ? ".0.0" : String(recipient.reply.enhanced.dropFirst())
        let status = (kind == .failed ? "5" : "4") + detail
        var fields = [
            "Final-Recipient: rfc822; \(Self.ascii(recipient.address))",
            "Action: \(kind == .failed ? "failed" : "delayed")",
            "Status: \(status)",
            "Diagnostic-Code: smtp; \(Self.ascii(recipient.reply.description))",
            "Last-Attempt-Date: \(InternetDate.format(unixSeconds: now))",
        ]
        if kind == .delayed { fields.append("Will-Retry-Until: \(InternetDate.format(unixSeconds: retryUntil))") }
        return fields
    }

    /// Printable US-ASCII only, so peer-supplied text cannot break the report's structure.
    static func ascii(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}
