// Command-line parsing (RFC 5321 §4.1.1, §4.1.2): paths are scanned as octets, domain labels
// of ASCII by octet and of UTF-8 (SMTPUTF8) by Unicode properties.
import MailCore
import SMTP
import Testing

@Suite struct SMTPCommandTests {
    private func parse(_ line: String) -> Result<SMTPCommand, ReplyError> {
        SMTPCommand.parse(Array(line.utf8))
    }

    @Test(arguments: [
        ("RCPT TO:<bob@example.org>", "bob@example.org"),
        ("rcpt to:<Bob@Example-1.ORG>", "Bob@Example-1.ORG"),
        ("RCPT TO: <bob@example.org>", "bob@example.org"),
        ("RCPT TO:<\"a>b\"@example.org>", "\"a>b\"@example.org"),
        ("RCPT TO:<\"a\\\"b\"@example.org>", "\"a\\\"b\"@example.org"),
        ("RCPT TO:<@hop.example.net,@b.example:bob@example.org>", "bob@example.org"),
        ("RCPT TO:<carol@[192.0.2.10]>", "carol@[192.0.2.10]"),
        ("RCPT TO:<PostMaster>", "PostMaster"),
        ("RCPT TO:<bjørn@bücher.example>", "bjørn@bücher.example"),
        ("RCPT TO:<x@bu\u{0308}cher.example>", "x@bu\u{0308}cher.example"),
        ("RCPT tO:   <bob@example.org>", "bob@example.org"),
    ])
    func forwardPathsAccepted(line: String, path: String) {
        #expect(parse(line) == .success(.rcpt(forwardPath: path, parameters: [])))
    }

    @Test(arguments: [
        "RCPT TO:bob@example.org",
        "RCPT TO:<bob@example.org",
        "RCPT TO:<bob@example.org>x",
        "RCPT TO:<bob@exa_mple.org>",
        "RCPT TO:<bob@example..org>",
        "RCPT TO:<bob@>",
        "RCPT TO:<@example.org>",
        "RCPT TO:<b ob@example.org>",
        "RCPT TO:<\"bob@example.org>",
        "RCPT TO:<bob@[192.0.2.10>",
        "RCPT TO:<@:bob@example.org>",
        "RCPT TO:<bob@ex☃mple.org>",
        "RCPT TO:<>",
        "RCPT FROM:<bob@example.org>",
        "RCPT TO",
        "RCPT T",
        "RCPT TO;<bob@example.org>",
        "RCPT TÖ:<bob@example.org>",
    ])
    func malformedForwardPathsGet501(line: String) {
        guard case .failure(let error) = parse(line) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(error.reply.code == 501)
    }

    @Test func mailTakesTheNullPathAndParameters() {
        #expect(parse("mail from:<> SIZE=10 body=8BITMIME")
            == .success(.mail(reversePath: "", parameters: [.init("SIZE", "10"), .init("BODY", "8BITMIME")])))
    }

    @Test func ehloAndHeloTakeTheFirstWord() {
        #expect(parse("EHLO client.example") == .success(.ehlo("client.example")))
        #expect(parse("helo   [192.0.2.1] extra words") == .success(.helo("[192.0.2.1]")))
        #expect(parse("EHLO bücher.example") == .success(.ehlo("bücher.example")))
        // A space is a word's end even before a combining mark (the domain never holds a space).
        #expect(parse("EHLO a \u{301}b") == .success(.ehlo("a")))
        guard case .failure(let error) = parse("EHLO   ") else {
            Issue.record("EHLO without a domain accepted")
            return
        }
        #expect(error.reply.code == 501)
    }
}
