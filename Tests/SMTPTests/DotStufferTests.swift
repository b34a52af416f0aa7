// Dot-stuffing on the sending side, fed one octet at a time, round-trips through the DATA
// reader; bare CR and LF go out as CRLF.
import Foundation
import NIOCore
import SMTP
import Testing

@Suite struct DotStufferTests {
    @Test(arguments: ["a\n.\n..\n.x\nend\n", "no final newline", "", ".\r\n", "crlf\r\nlines\r\n", "bare\rcr\r", ". \n"])
    func roundTripsThroughTheReader(message: String) {
        var stuffer = DotStuffer()
        var buffer = ByteBuffer()
        for byte in message.utf8 {
            var piece = stuffer.encode(ByteBuffer(bytes: [byte]))
            buffer.writeBuffer(&piece)
        }
        var end = stuffer.finish()
        buffer.writeBuffer(&end)
        var reader = DataReader()
        let output = reader.read(&buffer)
        #expect(output.ended)
        let content = output.content.map { String(buffer: $0) }.joined()
        var expected = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        if !expected.isEmpty && !expected.hasSuffix("\r\n") { expected += "\r\n" }
        #expect(content == expected)
    }
}
