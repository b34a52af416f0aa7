// `mailctl queue` output compared byte for byte with golden files (Tests/MailCoreTests/
// Golden/*.ref): list, show, verify and a control verb, human and --json.
import Foundation
import MailCore
import Testing

@Suite struct QueueFormatGoldenTests {
    static let golden = String(#filePath.split(separator: "/Tests/").first!) + "/Tests/MailCoreTests/Golden/"

    static let deferred = QueueSummary(
        queueID: QueueID("0lDGMhr3h0tPHt")!, size: 1536, arrival: 1_795_971_919, reversePath: "alice@example.org",
        nextAttempt: 1_795_972_519, attempts: 2, held: false, recipients: [
            .init(address: "bob@localhost", state: .deferred, lastReply: "451 4.3.0 local delivery unavailable"),
            .init(address: "carol@localhost", state: .delivered, lastReply: "250 2.0.0 delivered to maildir"),
        ])
    static let held = QueueSummary(
        queueID: QueueID("0lDGQJqdtTm8Bx")!, size: 2900, arrival: 1_795_975_000, reversePath: "",
        nextAttempt: 0, attempts: 1, held: true, recipients: [
            .init(address: "nobody@localhost", state: .bounced, lastReply: "550 5.1.1 <nobody@localhost>: user unknown"),
        ])
    static let due = QueueSummary(
        queueID: QueueID("0lDGQKb7cd3Fgh")!, size: 310, arrival: 1_795_975_100, reversePath: "cron@localhost",
        nextAttempt: 0, attempts: 0, held: false, recipients: [.init(address: "root@localhost", state: .pending, lastReply: "")])

    func expectGolden(_ text: String, _ name: String) throws {
        let expected = try String(contentsOfFile: Self.golden + name, encoding: .utf8)
        #expect(text == expected, "golden file \(name)")
    }

    @Test func list() throws {
        try expectGolden(QueueListingFormat.text([Self.deferred, Self.held, Self.due]), "queue-list.ref")
        try expectGolden(QueueListingFormat.json([Self.deferred, Self.held, Self.due]), "queue-list-json.ref")
    }

    @Test func show() throws {
        let detail = QueueDetail(summary: Self.deferred, envelopeID: "QQ314159", returnContent: .headers,
                                 headers: "Received: from localhost\r\n\tby mail.example.test\r\nSubject: lunch \"today\"\r\n")
        try expectGolden(QueueDetailFormat.text(detail), "queue-show.ref")
        try expectGolden(QueueDetailFormat.json(detail), "queue-show-json.ref")
    }

    @Test func verifyAndControl() throws {
        let report = QueueVerification(checked: 3, problems: [
            .init(name: "0lDGMhr3h0tPHt", reason: "checksum mismatch"), .init(name: "0lDGQJqdtTm8Bx", reason: "in corrupt/"),
        ])
        try expectGolden(QueueReportFormat.text(report), "queue-verify.ref")
        try expectGolden(QueueReportFormat.json(report), "queue-verify-json.ref")
        try expectGolden(QueueReportFormat.json(action: .hold, queueID: QueueID("0lDGMhr3h0tPHt"), result: "hold: 1 message(s)")
                         + QueueReportFormat.json(action: .flush, queueID: nil, result: "flush: 3 message(s)"), "queue-control-json.ref")
    }
}
