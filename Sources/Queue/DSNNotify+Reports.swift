// Which reports a recipient's NOTIFY allows (RFC 3461 §4.1): without NOTIFY, failures are
// reported and, at the MTA's choice, delays too (Tern sends them).
import MailCore

extension DSNNotify {
    /// True when a failure report may be sent.
    var reportsFailure: Bool { isEmpty || contains(.failure) }
    /// True when a delay warning may be sent.
    var reportsDelay: Bool { isEmpty || contains(.delay) }
}
