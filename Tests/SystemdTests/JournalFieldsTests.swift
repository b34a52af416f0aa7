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
