// The DATA reader: dot-unstuffing, the one true end of data, and the smuggling endings
// that must not end a message (RFC 5321 §4.1.1.4, §4.5.2).
import NIOCore
import SMTP
import Testing

@Suite struct DataReaderTests {
    /// Feeds `input` one byte at a time or whole; returns content, whether it ended, and
    /// what is left of the last piece fed.
    func read(_ input: String, byteByByte: Bool = false) -> (content: String, ended: Bool, rest: String) {
        var reader = DataReader()
        var content = ""
        var buffer = ByteBuffer()
        var ended = false
        let bytes = Array(input.utf8)
        for piece in (byteByByte ? bytes.map { [$0] } : [bytes]) {
            buffer.writeBytes(piece)
            let output = reader.read(&buffer)
            content += output.content.map { String(buffer: $0) }.joined()
            if output.ended { ended = true; break }
        }
        return (content, ended, String(buffer: buffer))
    }

    @Test(arguments: [false, true])
    func unstuffsLeadingDotsAndStopsAtTheTerminator(byteByByte: Bool) {
        let result = read("a\r\n..b\r\n.c\r\n...\r\n.\r\nRSET\r\n", byteByByte: byteByByte)
        #expect(result.content == "a\r\n.b\r\nc\r\n..\r\n")
        #expect(result.ended)
    }

    @Test func pipelinedCommandsAfterTheTerminatorStayInTheInput() {
        var reader = DataReader()
        var buffer = ByteBuffer(string: "body\r\n.\r\nQUIT\r\n")
        let output = reader.read(&buffer)
        #expect(output.ended)
        #expect(String(buffer: buffer) == "QUIT\r\n")
    }

    @Test func emptyMessageEndsAtOnce() {
        #expect(read(".\r\n") == ("", true, ""))
    }

    @Test(arguments: ["\n.\n", "\r.\r", "\r.\n", "\n.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\u{0}.\r\n", ".\r\r\n"])
    func smugglingEndingsDoNotEndTheData(ending: String) {
        for byteByByte in [false, true] {
            let result = read("x" + ending + "MAIL FROM:<evil@example.org>\r\n", byteByByte: byteByByte)
            #expect(!result.ended, "ending \(ending.debugDescription)")
        }
    }

    @Test func heldCarriageReturnIsContentWhenNoLineFeedFollows() {
        #expect(read("a\r\n.\rb\r\n.\r\n").content == "a\r\n\rb\r\n")
    }

    @Test func countsContentOctets() {
        var reader = DataReader()
        var buffer = ByteBuffer(string: "..ab\r\n.\r\n")
        _ = reader.read(&buffer)
        #expect(reader.contentLength == 5)
    }
}
