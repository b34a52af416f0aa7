// Failure and delay reports (RFC 3464) compared byte for byte with golden files, which
// Tests/EndToEnd/test_report_golden.py parses with Python's email package.
import Foundation
import MailCore
import NIOCore
import Queue
import Testing

@Suite struct DeliveryReportTests {
    static let golden = String(#filePath.split(separator: "/Tests/").first!) + "/Tests/QueueTests/Golden/"
    let directory = temporaryQueueDirectory()

    func report(_ kind: DeliveryReport.Kind, ret: DSNReturn?) async throws -> String {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        var envelope = Envelope(reversePath: "alice@example.test", recipients: ["bob@localhost", "carol@localhost"])
        envelope.envelopeID = "QQ314159"
        envelope.dsnReturn = ret
        let header = QueueFile.Header(queueID: QueueID("0lDGMhr3h0tPHt")!, arrival: 1_795_971_919, envelope: envelope)
        let original = try await store.commitMessage(
            header, content: "From: alice@example.test\r\nSubject: lunch\r\n\r\nsee you at noon\r\n")
        let report = DeliveryReport(
            kind: kind, hostname: "mail.example.test", reportID: QueueID("0lDGQJqdtTm8Bx")!, original: header,
            recipients: [.init(address: "bob@localhost", reply: Reply(550, "5.1.1", "<bob@localhost>: user unknown")),
                         .init(address: "carol@localhost", reply: Reply(451, "4.3.0", "mailbox busy\u{1b}[2J"))],
            now: 1_796_403_919, retryUntil: 1_796_403_919)
        #expect(report.envelope == Envelope(reversePath: "", recipients: ["alice@example.test"]))
        let incoming = try store.createReport(report, about: original)
        try await store.commit(incoming)
        let stored = incoming.stored
        return String(buffer: try store.readContent(of: stored, from: 0, length: Int(stored.contentLength)))
    }

    @Test(arguments: [("failure-headers.eml", DeliveryReport.Kind.failed, nil as DSNReturn?),
                      ("failure-full.eml", .failed, .full), ("delay.eml", .delayed, .full)])
    func matchesGolden(file: String, kind: DeliveryReport.Kind, ret: DSNReturn?) async throws {
        let text = try await report(kind, ret: ret)
        let expected = try String(contentsOfFile: Self.golden + file, encoding: .utf8)
        #expect(text == expected, "\(file)")
    }
}
