// Dot-stuffing on the sending side round-trips through the DATA reader.
import Foundation
import NIOCore
import SMTP
import Testing

@Suite struct DotStuffingTests {
    @Test(arguments: ["a\n.\n..\n.x\nend\n", "no final newline", "", ".\r\n", "crlf\r\nlines\r\n"])
    func roundTripsThroughTheReader(message: String) {
        var buffer = ByteBuffer(bytes: DotStuffing.encode(Array(message.utf8)))
        var reader = DataReader()
        let output = reader.read(&buffer)
        #expect(output.ended)
        let content = output.content.map { String(buffer: $0) }.joined()
        var expected = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        if !expected.isEmpty && !expected.hasSuffix("\r\n") { expected += "\r\n" }
        #expect(content == expected)
    }
}
