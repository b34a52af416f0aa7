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

    /// Whole buffers take the eight-octets-at-a-time path, single octets never do: both must
    /// give the same content, end, flags and longest line, wherever the control octets fall.
    @Test(arguments: 0..<20)
    func wordAtATimeScanAgreesWithOctetAtATime(seed: UInt64) {
        var random = SplitMix(seed: seed)
        // Lines of every length, half of them dot-stuffed, with a few other controls, bare
        // CRs and LFs and UTF-8 octets inside: a CR missed before its LF shows as a dot kept.
        let alphabet: [UInt8] = Array("ab.".utf8) + [0, 9, 11, 0x80, 0xC3]
        var bytes: [UInt8] = []
        for _ in 0..<60 {
            if random.next() % 2 == 0 { bytes.append(UInt8(ascii: ".")) }
            for _ in 0..<random.next() % 40 {
                switch random.next() % 64 {
                case 0: bytes.append(13)
                case 1: bytes.append(10)
                case 2..<10: bytes.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
                default: bytes.append(UInt8(ascii: "x"))
                }
            }
            bytes += Array("\r\n".utf8)
        }
        bytes += Array(".\r\nQUIT\r\n".utf8)
        func scan(_ pieces: [[UInt8]]) -> ([UInt8], Bool, DataReader) {
            var reader = DataReader()
            var buffer = ByteBuffer()
            var content: [UInt8] = []
            for piece in pieces {
                buffer.writeBytes(piece)
                let output = reader.read(&buffer)
                for slice in output.content { content += Array(slice.readableBytesView) }
                if output.ended { return (content, true, reader) }
            }
            return (content, false, reader)
        }
        let (whole, wholeEnded, wholeReader) = scan([bytes])
        let (single, singleEnded, singleReader) = scan(bytes.map { [$0] })
        #expect(whole == single)
        #expect(wholeEnded == singleEnded)
        #expect(wholeReader.sawNUL == singleReader.sawNUL)
        #expect(wholeReader.sawBareLineEnd == singleReader.sawBareLineEnd)
        #expect(wholeReader.longestLine == singleReader.longestLine)
        #expect(wholeReader.contentLength == singleReader.contentLength)
    }

    @Test func countsContentOctets() {
        var reader = DataReader()
        var buffer = ByteBuffer(string: "..ab\r\n.\r\n")
        _ = reader.read(&buffer)
        #expect(reader.contentLength == 5)
    }
}

/// A small deterministic generator (SplitMix64) for reproducible test content.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
