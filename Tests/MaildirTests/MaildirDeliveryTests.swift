// Maildir delivery on a real file system: tmp → new with LF line ends and trace fields,
// one copy per queue ID however often it is retried, readable back and marked seen.
import Foundation
import MailCore
import Maildir
import NIOCore
import Testing

@Suite struct MaildirDeliveryTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tern-maildir-\(UUID().uuidString)").path
    var settings: MaildirSettings { MaildirSettings(mailRoot: root, hostname: "mx.example:org/x") }

    func request(_ recipients: [String], retry: Bool = false) -> DeliveryRequest {
        DeliveryRequest(queueID: QueueID("0lDGMhr3h0tPHt")!, reversePath: "a@example.org", arrival: 1_795_971_919,
                        mayBeRedelivery: retry, recipients: recipients)
    }

    func deliver(_ request: DeliveryRequest, _ content: [String]) -> [Reply] {
        let delivery = MaildirDelivery(request, settings: settings)
        for piece in content { delivery.append(ByteBuffer(string: piece)) }
        return delivery.finish()
    }

    @Test func writesNewWithTraceFieldsAndLineFeeds() throws {
        let replies = deliver(request(["Bob@localhost"]), ["Subject: hi\r", "\n\r\nbody\r\n"])
        #expect(replies.map(\.code) == [250])
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/bob/new")
        #expect(names == ["1795971919.0lDGMhr3h0tPHt.mx.example\\072org\\057x"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/tmp").isEmpty)
        let text = try String(contentsOfFile: root + "/bob/new/" + names[0], encoding: .utf8)
        #expect(text == "Return-Path: <a@example.org>\nDelivered-To: Bob@localhost\nSubject: hi\n\nbody\n")
    }

    @Test func retriesNeverMakeASecondCopyEvenAfterTheMessageWasRead() throws {
        _ = deliver(request(["bob@localhost"]), ["x\r\n"])
        #expect(deliver(request(["bob@localhost"]), ["x\r\n"]).map(\.lines) == [["already delivered"]])
        let reader = MaildirReader(mailbox: root + "/bob")
        try reader.markSeen(reader.entries()[0])
        #expect(deliver(request(["bob@localhost"], retry: true), ["x\r\n"]).map(\.code) == [250])
        #expect(reader.entries().count == 1)
        #expect(reader.summaries().map(\.seen) == [true])
    }

    @Test func badMailboxNamesAreRefusedAndSharedMailboxesGetOneCopy() {
        let replies = deliver(request(["a/b@localhost", "bob@localhost", "BOB@localhost"]), ["x\r\n"])
        #expect(replies.map(\.code) == [550, 250, 250])
        #expect(MaildirReader(mailbox: root + "/bob").entries().count == 1)
    }

    @Test func listingReadsFromAndSubject() throws {
        _ = deliver(request(["bob@localhost"]), ["From: Alice <a@example.org>\r\nSubject: Lunch\r\n\r\nhi\r\n"])
        let summary = try #require(MaildirReader(mailbox: root + "/bob").summaries().first)
        #expect(summary.number == 1 && summary.from == "Alice <a@example.org>" && summary.subject == "Lunch" && !summary.seen)
    }

    @Test func placedCopiesAreReportedOnlyAfterTheirDirectorySync() throws {
        let delivery = MaildirDelivery(request(["bob@localhost", "carol@localhost", "a/b@localhost"]), settings: settings)
        delivery.append(ByteBuffer(string: "x\r\n"))
        let unsynced = delivery.place()
        #expect(unsynced == [root + "/bob", root + "/carol"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/bob/new").count == 1)
        struct SyncFailed: Error {}
        let replies = delivery.replies(directoryFailures: [root + "/carol": SyncFailed()])
        #expect(replies.map(\.code) == [250, 451, 550])
    }
}
