// Reply parsing for clients: multi-line replies, enhanced codes, malformed lines.
import MailCore
import NIOCore
import SMTP
import Testing

@Suite struct ReplyParserTests {
    @Test func multiLineReplyWithEnhancedCodes() throws {
        var parser = ReplyParser()
        var input = ByteBuffer(string: "250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 100\r\n250 2.1.0 Ok\r\n")
        #expect(try parser.next(&input) == Reply(250, "", ["mx.example.org", "PIPELINING", "SIZE 100"]))
        #expect(try parser.next(&input) == Reply(250, "2.1.0", "Ok"))
        #expect(try parser.next(&input) == nil)
    }

    @Test(arguments: ["hello\r\n", "25\r\n", "250-a\r\n251 b\r\n", "999 x\r\n"])
    func malformedRepliesThrow(text: String) {
        var parser = ReplyParser()
        var input = ByteBuffer(string: text)
        #expect(throws: ReplyParser.Malformed.self) {
            while try parser.next(&input) != nil {}
        }
    }
}
