// `mailctl log` output, text and JSON, byte for byte.
import MailCore
import Testing

@Suite struct LogTimelineFormatTests {
    static let records = [
        LogRecord(time: 1_795_970_259_123_456, fields: [
            "SYSLOG_IDENTIFIER": "tern-submitd", "_PID": "84", "EVENT": "received", "MESSAGE": "message accepted",
            "QUEUE_ID": "0lDGXp2P5pZ098", "MAIL_FROM": "root@example.org", "RCPT_TO": "ann@example.org",
            "SMTP_CLIENT": "local socket, uid 0", "PEER_UID": "0", "PRIORITY": "6",
        ]),
        LogRecord(time: 1_795_970_259_200_000, fields: [
            "SYSLOG_IDENTIFIER": "tern-mtad", "_PID": "90", "EVENT": "delivered", "MESSAGE": "delivered",
            "QUEUE_ID": "0lDGXp2P5pZ098", "RCPT_TO": "ann@example.org", "RELAY": "tern-deliverd", "DELAY": "0",
            "DSN_STATUS": "2.0.0",
        ]),
        LogRecord(time: 1_795_970_260_000_000, fields: ["SYSLOG_IDENTIFIER": "tern-mtad", "MESSAGE": "removed"]),
    ]

    @Test func text() {
        #expect(LogTimelineFormat.text(Self.records) == """
            2026-11-29 16:37:39.123  tern-submitd[84]  received  message accepted from=<root@example.org> \
            to=<ann@example.org> client="local socket, uid 0" uid=0
            2026-11-29 16:37:39.200  tern-mtad[90]  delivered  delivered to=<ann@example.org> relay=tern-deliverd \
            delay=0 dsn=2.0.0
            2026-11-29 16:37:40.000  tern-mtad  -  removed

            """)
    }

    @Test func json() {
        let lines = LogTimelineFormat.json(Self.records).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1] == """
            {"time":"2026-11-29 16:37:39.200","usec":1795970259200000,"daemon":"tern-mtad","pid":90,\
            "event":"delivered","message":"delivered","QUEUE_ID":"0lDGXp2P5pZ098","RCPT_TO":"ann@example.org",\
            "RELAY":"tern-deliverd","DELAY":"0","DSN_STATUS":"2.0.0"}
            """)
        #expect(lines[2] == """
            {"time":"2026-11-29 16:37:40.000","usec":1795970260000000,"daemon":"tern-mtad","pid":null,\
            "event":null,"message":"removed"}
            """)
    }
}
