// Input that arrives in pieces: the session returns to the driver with no actions when it
// needs more bytes, whatever the split (found by the fuzzer: a BDAT chunk paused after its
// header section completed made the session produce empty writes forever).
import MailCore
import NIOCore
import SMTP
import Testing

@Suite struct ChunkedInputTests {
    @Test(arguments: [1, 2, 3, 7, 64])
    func everySplitTerminatesAndCommitsOnce(pieceSize: Int) {
        var session = SMTPServerSession(settings: .init(hostname: "mx", clientDescription: "", localDomains: ["example.org"]))
        let script = Array(("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<bob@example.org>\r\n"
            + "BDAT 20\r\nSubject: t\r\n\r\n.\r\nx\r\nBDAT 6\r\nabcdefBDAT 0 LAST\r\n"
            + "MAIL FROM:<a@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nbody\r\n.\r\n").utf8)
        var input = ByteBuffer()
        var commits = 0
        var content = ""
        for start in stride(from: 0, to: script.count, by: pieceSize) {
            input.writeBytes(script[start..<min(script.count, start + pieceSize)])
            var rounds = 0
            var actions = session.advance(&input)
            while !actions.isEmpty {
                rounds += 1
                #expect(rounds < 100, "the session must come back for more input")
                if rounds >= 100 { return }
                var follow: [SMTPServerAction] = []
                for action in actions {
                    switch action {
                    case .openQueue: follow += session.queueOpened(QueueID("0000000000BCDF")!, now: 0)
                    case .checkRecipient: follow += session.recipientChecked(refusal: nil)
                    case .commitQueue:
                        commits += 1
                        follow += session.queueCommitted(QueueID("0000000000BCDF")!)
                    case .writeContent(let piece):
                        #expect(piece.readableBytes > 0)
                        content += String(buffer: piece)
                    default: break
                    }
                }
                actions = follow.isEmpty ? session.advance(&input) : follow
            }
        }
        #expect(commits == 2)
        #expect(content.contains("Subject: t\r\n\r\n.\r\nx\r\nabcdef"))
    }
}
