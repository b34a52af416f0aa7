// The frame decoder on split input: every split point of a stream of frames gives the
// same frames, and a short stream is "need more", never an error, until EOF.
import MailCore
import MailWire
import NIOCore
import Testing

@Suite struct FrameDecoderTests {
    func encoded(_ messages: [Message]) throws -> [UInt8] {
        var out = ByteBuffer()
        for (index, message) in messages.enumerated() {
            try FrameEncoder().encode(data: message.frame(requestID: UInt32(index)), out: &out)
        }
        return Array(out.readableBytesView)
    }

    @Test func everySplitPointDecodesTheSameFrames() throws {
        let messages: [Message] = [.hello(version: 1, maximumPayload: 65_536, name: "t"), .chunk(ByteBuffer(string: "abc\r\n")),
                                   .commit(5), .queueList]
        let bytes = try encoded(messages)
        for split in 0...bytes.count {
            var decoder = FrameDecoder()
            var buffer = ByteBuffer(bytes: bytes[0..<split])
            var decoded: [Message] = []
            while let frame = try decoder.decode(buffer: &buffer) { decoded.append(try Message(frame: frame)) }
            buffer.writeBytes(bytes[split...])
            while let frame = try decoder.decodeLast(buffer: &buffer, seenEOF: true) { decoded.append(try Message(frame: frame)) }
            #expect(decoded == messages, "split at \(split)")
        }
    }

    @Test func oversizedHeaderIsRefusedBeforeThePayloadArrives() {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: [0x7f, 0xff, 0xff, 0xff, 1, 0x05, 0, 0, 0, 0, 0, 1])
        #expect(throws: MailWireError.oversized(length: 0x7fff_ffff)) { try decoder.decode(buffer: &buffer) }
    }

    @Test func malformedQueueIDIsRefused() {
        var payload = ByteBuffer()
        payload.writeInteger(UInt16(3))
        payload.writeString("../")
        #expect(throws: MailWireError.malformedPayload(.queued)) {
            _ = try Message(frame: Frame(type: .queued, requestID: 1, payload: payload))
        }
    }
}
