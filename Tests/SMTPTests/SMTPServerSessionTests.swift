// The SMTP server session against scripted dialogues: command order, pipelining, SIZE,
// relay refusal, and the rule that 250 after DATA comes only from a committed queue.
import MailCore
import SMTP
import Testing

@Suite struct SMTPServerSessionTests {
    @Test func greetsWithTheHostName() {
        let session = SMTPServerSession(settings: .init(hostname: "mx.example.org", clientDescription: "", messageSizeLimit: 1,
                                                        recipientLimit: 100, localDomains: []))
        #expect(session.start().first == .reply(Reply(220, "", "mx.example.org ESMTP Tern")))
    }

    @Test func wholeTransaction() throws {
        var dialogue = Dialogue()
        #expect(dialogue.run([
            Step("EHLO client.example.net\r\n", 250),
            Step("MAIL FROM:<alice@example.net> SIZE=100 BODY=8BITMIME\r\n", 250),
            Step("RCPT TO:<bob@example.org>\r\n", 250),
            Step("DATA\r\n", 354),
            Step("Subject: hi\r\n\r\n..dot\r\n.\r\n", 250),
            Step("QUIT\r\n", 221),
        ]) == nil)
        let (envelope, content) = try #require(dialogue.committed.first)
        #expect(envelope == Envelope(reversePath: "alice@example.net", recipients: ["bob@example.org"], bodyType: .eightBitMIME, declaredSize: 100))
        #expect(content.hasPrefix("Received: from client.example.net ([192.0.2.1])\r\n\tby mx.example.org (Tern) with ESMTP id 0000000000BCDF"))
        #expect(content.hasSuffix("\r\nSubject: hi\r\n\r\n.dot\r\n"))
    }

    @Test func commandOrderAndSyntax() {
        var dialogue = Dialogue()
        #expect(dialogue.run([
            Step("MAIL FROM:<a@example.net>\r\n", 503),
            Step("HELO client\r\n", 250),
            Step("RCPT TO:<bob@example.org>\r\n", 503),
            Step("DATA\r\n", 503),
            Step("MAIL FROM:a@example.net\r\n", 501),
            Step("MAIL FROM:<a@example.net>\r\n", 250),
            Step("MAIL FROM:<b@example.net>\r\n", 503),
            Step("DATA\r\n", 503),
            Step("RCPT TO:<>\r\n", 501),
            Step("XYZZY\r\n", 500),
            Step("VRFY bob\r\n", 252),
            Step("NOOP\r\n", 250),
            Step("RSET\r\n", 250),
            Step("RCPT TO:<bob@example.org>\r\n", 503),
            Step("MAIL FROM:<> SIZE=10\r\n", 555),
        ]) == nil)
    }

    @Test func pipelinedGroupIsAnsweredInOrder() {
        var dialogue = Dialogue()
        _ = dialogue.send("EHLO c\r\n")
        let codes = dialogue.send("MAIL FROM:<a@example.net>\r\nRCPT TO:<x@elsewhere.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nbody\r\n.\r\nQUIT\r\n")
        #expect(codes == [250, 550, 250, 354, 250, 221])
        #expect(dialogue.committed.count == 1)
    }

    @Test func declaredAndRealSizeAreChecked() {
        var dialogue = Dialogue(sizeLimit: 10)
        _ = dialogue.send("EHLO c\r\n")
        #expect(dialogue.send("MAIL FROM:<a@example.net> SIZE=11\r\n") == [552])
        #expect(dialogue.send("MAIL FROM:<a@example.net> SIZE=abc\r\n") == [501])
        #expect(dialogue.run([
            Step("MAIL FROM:<a@example.net> SIZE=5\r\n", 250),
            Step("RCPT TO:<bob@example.org>\r\n", 250),
            Step("DATA\r\n", 354),
            Step(String(repeating: "x", count: 100) + "\r\n", ),
            Step(".\r\n", 552),
            Step("MAIL FROM:<a@example.net>\r\n", 250),
        ]) == nil)
        #expect(dialogue.committed.isEmpty)
    }

    @Test func queueFailureIsNever250() {
        var dialogue = Dialogue()
        dialogue.queueFails = true
        #expect(dialogue.run([
            Step("EHLO c\r\n", 250),
            Step("MAIL FROM:<a@example.net>\r\n", 250),
            Step("RCPT TO:<bob@example.org>\r\n", 250),
            Step("DATA\r\n", 451),
            Step("MAIL FROM:<a@example.net>\r\n", 250),
        ]) == nil)
    }

    @Test func relayAndMailboxNamesAreRefusedAtRCPT() {
        var dialogue = Dialogue()
        _ = dialogue.send("EHLO c\r\nMAIL FROM:<a@example.net>\r\n")
        #expect(dialogue.send("RCPT TO:<bob@elsewhere.example>\r\n") == [550])
        #expect(dialogue.send("RCPT TO:<../etc@example.org>\r\n") == [501])
        #expect(dialogue.send("RCPT TO:<a/b@example.org>\r\n") == [550])
        #expect(dialogue.send("RCPT TO:<Postmaster>\r\n") == [250])
        #expect(dialogue.send("RCPT TO:<@relay.example:bob@example.org>\r\n") == [250])
    }

    @Test func recipientLimitGives452() {
        var dialogue = Dialogue(recipientLimit: 100)
        _ = dialogue.send("EHLO c\r\nMAIL FROM:<a@example.net>\r\n")
        for index in 0..<100 { #expect(dialogue.send("RCPT TO:<u\(index)@example.org>\r\n") == [250]) }
        #expect(dialogue.send("RCPT TO:<u101@example.org>\r\n") == [452])
    }

    @Test func bareLineFeedAndLongLinesAreRefused() {
        var dialogue = Dialogue()
        #expect(dialogue.send("EHLO c\n") == [500])
        #expect(dialogue.send(String(repeating: "A", count: 600) + "\r\nNOOP\r\n") == [500, 250])
    }
}
