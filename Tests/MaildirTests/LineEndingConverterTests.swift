// CRLF to LF across any chunk boundaries: the result never depends on how the content was
// cut, and only a CR directly before an LF is dropped.
import NIOCore
@testable import Maildir
import Testing

@Suite struct LineEndingConverterTests {
    /// The rule, on the whole content at once.
    func reference(_ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, byte) in content.enumerated() where !(byte == 13 && index + 1 < content.count && content[index + 1] == 10) {
            out.append(byte)
        }
        return out
    }

    @Test func examples() {
        var converter = LineEndingConverter()
        #expect(converter.convert(ByteBuffer(string: "a\r\nb\rc\r")) == Array("a\nb\rc".utf8))
        #expect(converter.convert(ByteBuffer(string: "\nd\r\r\n")) == Array("\nd\r\n".utf8))
        #expect(converter.convert(ByteBuffer()) == [])
        #expect(converter.finish() == [])
    }

    @Test func anyCutGivesTheSameResult() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let content = (0..<Int.random(in: 0...40, using: &generator)).map { _ in [UInt8(ascii: "a"), 13, 10].randomElement(using: &generator)! }
            var converter = LineEndingConverter()
            var out: [UInt8] = []
            var rest = content[...]
            while !rest.isEmpty {
                let cut = Int.random(in: 0...rest.count, using: &generator)
                out += converter.convert(ByteBuffer(bytes: rest.prefix(cut)))
                rest = rest.dropFirst(cut)
            }
            out += converter.finish()
            #expect(out == reference(content), "\(content)")
        }
    }
}
