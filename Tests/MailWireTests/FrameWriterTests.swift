// FrameWriter on a channel: the octets FrameEncoder gives, in order, with a large payload
// passed on as its own buffer (not copied) and a small frame as one buffer.
import MailCore
import MailWire
import NIOCore
import NIOEmbedded
import Testing

@Suite struct FrameWriterTests {
    @Test func largePayloadsLeaveUncopiedAfterTheirHeader() throws {
        let channel = EmbeddedChannel(handler: FrameWriter())
        let content = ByteBuffer(repeating: 0x78, count: 65_536)
        let frames = [Message.commit(65_536).frame(requestID: 3), Message.chunk(content).frame(requestID: 3),
                      Message.chunk(ByteBuffer(string: "small\r\n")).frame(requestID: 4)]
        for frame in frames { try channel.writeOutbound(frame) }
        var written: [ByteBuffer] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { written.append(buffer) }

        var expected = ByteBuffer()
        for frame in frames { try FrameEncoder().encode(data: frame, out: &expected) }
        #expect(written.map(\.readableBytes) == [12 + 8, 12, 65_536, 12 + 7])
        #expect(written.reduce(into: ByteBuffer()) { all, piece in var piece = piece; all.writeBuffer(&piece) } == expected)
        let address = { (buffer: ByteBuffer) in buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(address(written[2]) == address(content))
        _ = try channel.finish()
    }
}
