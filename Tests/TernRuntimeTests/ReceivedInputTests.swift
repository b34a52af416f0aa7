// A long-lived connection's input: parsed octets are dropped, unparsed ones kept in order,
// so the input stays bounded however much the connection carries.
import NIOCore
@testable import TernRuntime
import Testing

@Suite struct ReceivedInputTests {
    /// 10,000 SMTP replies of 24 octets read 24 at a time, each read ending 10 octets into
    /// the next reply (a partial line is always left over): every reply comes out whole and
    /// in order, and the input never holds more than 64 KiB of parsed octets besides the
    /// unparsed ones (it held all 240,000 octets when nothing was dropped).
    @Test func partialLinesSurviveAndTheInputStaysBounded() {
        let lines = (0..<10_000).map { "250 2.0.0 Ok: queued \($0 % 10)\r\n" }
        var stream = ByteBuffer(string: lines.joined())
        var input = ByteBuffer()
        var first = stream.readSlice(length: 10)!
        input.appendReceived(&first)
        var held = 0
        for line in lines {
            var received = stream.readSlice(length: min(line.utf8.count, stream.readableBytes))!
            input.appendReceived(&received)
            held = max(held, input.writerIndex)
            #expect(input.readString(length: line.utf8.count) == line)
        }
        #expect(input.readableBytes == 0)
        #expect(held <= 65_536 + 24 + 10, "the input held \(held) octets")
    }

    /// Nothing left over: the received buffer becomes the input without a copy.
    @Test func anEmptyInputTakesTheReceivedBufferAsItIs() {
        var input = ByteBuffer(string: "220 ready\r\n")
        input.moveReaderIndex(forwardBy: input.readableBytes)
        var received = ByteBuffer(string: "250 Ok\r\n")
        let address = received.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        input.appendReceived(&received)
        #expect(input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(input.readableBytesView.elementsEqual("250 Ok\r\n".utf8))
    }
}
