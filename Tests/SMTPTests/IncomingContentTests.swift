// Submission fix-ups (RFC 6409 §8) and header limits on the content as it streams.
import MailCore
import NIOCore
@testable import SMTP
import Testing

@Suite struct IncomingContentTests {
    func settings(submission: Bool) -> SMTPServerSettings {
        var settings = SMTPServerSettings(hostname: "mx.example.org", clientDescription: "", localDomains: [])
        settings.isLocalSubmission = submission
        settings.headerSectionLimit = 64
        return settings
    }

    func run(_ pieces: [String], submission: Bool) -> (String, Reply?) {
        var content = IncomingContent(settings: settings(submission: submission), queueID: QueueID("0000000000BCDF")!, now: 0)
        var out = ""
        for piece in pieces { out += content.take([ByteBuffer(string: piece)]).write.map { String(buffer: $0) }.joined() }
        out += content.finish().map { String(buffer: $0) }.joined()
        return (out, content.refusal)
    }

    @Test func submissionGetsDateAndMessageIDAtTheEndOfTheHeader() {
        let (out, refusal) = run(["Subject: hi\r", "\n\r\nbody\r\n"], submission: true)
        #expect(refusal == nil)
        #expect(out == "Subject: hi\r\nDate: Thu, 1 Jan 1970 00:00:00 +0000\r\nMessage-ID: <0000000000BCDF.0@mx.example.org>\r\n\r\nbody\r\n")
    }

    @Test func existingFieldsAreKeptAndRelayedMailIsUntouched() {
        let message = "Date: x\r\nmessage-id: <a@b>\r\n\r\nbody\r\n"
        #expect(run([message], submission: true).0 == message)
        #expect(run(["Subject: hi\r\n\r\nbody\r\n"], submission: false).0 == "Subject: hi\r\n\r\nbody\r\n")
    }

    @Test func aHeaderSectionOverTheLimitRefusesTheMessage() {
        let (out, refusal) = run([String(repeating: "X-A: b\r\n", count: 20), "\r\nbody\r\n"], submission: false)
        #expect(out.isEmpty)
        #expect(refusal?.code == 552)
    }
}
