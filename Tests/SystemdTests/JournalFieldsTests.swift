// Journal field mapping: metadata keys become [A-Z0-9_] names or are dropped, never sent
// in a form journald would silently discard.
import Logging
import Systemd
import Testing

@Suite struct JournalFieldsTests {
    @Test func metadataKeysBecomeUpperCaseFields() {
        #expect(JournalFields.fieldName("queue.id") == "QUEUE_ID")
        #expect(JournalFields.fieldName("rcpt-to") == "RCPT_TO")
        #expect(JournalFields.fieldName("_private") == nil)
        #expect(JournalFields.fieldName("9lives") == nil)
    }

    @Test func eventFieldsCarryMessagePriorityAndMetadata() {
        let event = LogEvent(level: .warning, message: "delivery deferred", metadata: nil, source: "Queue",
                             file: "Queue/QueueManager.swift", function: "finish", line: 42)
        let fields = JournalFields.fields(for: event, metadata: ["queue.id": "0lDGMhr3h0tPHt"], identifier: "tern-mtad")
        let byName = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        #expect(byName["MESSAGE"] == "delivery deferred")
        #expect(byName["PRIORITY"] == "4")
        #expect(byName["SYSLOG_IDENTIFIER"] == "tern-mtad")
        #expect(byName["CODE_LINE"] == "42")
        #expect(byName["QUEUE_ID"] == "0lDGMhr3h0tPHt")
    }
}

@Suite struct JournalFieldsEventTests {
    @Test func eventKindAddsTheCatalogID() {
        let event = LogEvent(level: .info, message: "delivered", metadata: nil, source: "Queue",
                             file: "f", function: "g", line: 1)
        let fields = JournalFields.fields(for: event, metadata: ["event": "delivered", "MESSAGE_ID": "forged"],
                                          identifier: "tern-mtad", catalog: ["delivered": "f608f8549e1b410886cdbc37dfe09038"])
        #expect(fields.filter { $0.0 == "MESSAGE_ID" }.map(\.1) == ["f608f8549e1b410886cdbc37dfe09038"])
        #expect(fields.contains { $0 == ("EVENT", "delivered") })
    }

    @Test func peerTextInMessageIsEscaped() {
        #expect(JournalFields.escaped("to=<a@b>\nFAKE: entry\r\u{1B}[31m\\\u{202E}") == "to=<a@b>\\nFAKE: entry\\r\\u{1B}[31m\\\\\\u{202E}")
        #expect(JournalFields.escaped("Grüße, 250 ok") == "Grüße, 250 ok")
        let event = LogEvent(level: .warning, message: "deferred: 451 \u{7}bad\nline", metadata: nil, source: "s",
                             file: "f", function: "g", line: 1)
        let fields = JournalFields.fields(for: event, metadata: [:], identifier: "t")
        #expect(fields.first { $0.0 == "MESSAGE" }?.1 == "deferred: 451 \\u{7}bad\\nline")
    }
}
