// `mailctl log QUEUE_ID`: one message's journal entries from all three daemons as one
// timeline, for people (Postfix-style `key=value` tails) and as one JSON object per line.

/// One journal entry: when, and its fields by name.
public struct LogRecord: Sendable, Equatable {
    /// Microseconds since the Unix epoch (`__REALTIME_TIMESTAMP`).
    public var time: UInt64
    public var fields: [String: String]

    public init(time: UInt64, fields: [String: String]) {
        self.time = time
        self.fields = fields
    }
}

public enum LogTimelineFormat {
    /// The journal fields Tern writes about a message, with their short names in text.
    public static let mailFields: [(field: String, short: String)] = [
        ("QUEUE_ID", "id"), ("MAIL_FROM", "from"), ("RCPT_TO", "to"), ("RELAY", "relay"), ("DELAY", "delay"),
        ("DSN_STATUS", "dsn"), ("SMTP_CLIENT", "client"), ("PEER_UID", "uid"), ("SIZE", "size"),
    ]

    /// `2026-11-29 16:52:26.123  tern-mtad[42]  delivered  delivered  to=<a@b> relay=tern-deliverd dsn=2.0.0`,
    /// one line per entry; addresses in angle brackets, values with spaces in quotes.
    public static func text(_ records: [LogRecord]) -> String {
        records.map { record in
            let fields = record.fields
            var line = InternetDate.timestamp(unixMicroseconds: record.time) + "  " + daemon(fields) + "  "
            line += (fields["EVENT"] ?? "-") + "  " + (fields["MESSAGE"] ?? "")
            for (field, short) in mailFields where field != "QUEUE_ID" {
                guard let value = fields[field] else { continue }
                let shown = field == "MAIL_FROM" || field == "RCPT_TO" ? "<\(value)>" : value
                line += " \(short)=" + (shown.contains(" ") ? "\"\(shown)\"" : shown)
            }
            return line + "\n"
        }.joined()
    }

    /// One JSON object per entry and line: `time` (as in text), `usec`, `daemon`, `pid`,
    /// `event`, `message`, then the mail fields present under their journal names.
    public static func json(_ records: [LogRecord]) -> String {
        records.map { record in
            let fields = record.fields
            var members: [(String, String)] = [
                ("time", JSONText.string(InternetDate.timestamp(unixMicroseconds: record.time))),
                ("usec", String(record.time)),
                ("daemon", JSONText.string(fields["SYSLOG_IDENTIFIER"] ?? "")),
                ("pid", fields["_PID"].flatMap { Int($0) }.map(String.init) ?? "null"),
                ("event", fields["EVENT"].map(JSONText.string) ?? "null"),
                ("message", JSONText.string(fields["MESSAGE"] ?? "")),
            ]
            for (field, _) in mailFields {
                if let value = fields[field] { members.append((field, JSONText.string(value))) }
            }
            return JSONText.object(members) + "\n"
        }.joined()
    }

    private static func daemon(_ fields: [String: String]) -> String {
        (fields["SYSLOG_IDENTIFIER"] ?? "?") + (fields["_PID"].map { "[\($0)]" } ?? "")
    }
}
