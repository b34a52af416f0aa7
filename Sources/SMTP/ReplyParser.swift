// Reads SMTP replies from a byte stream (RFC 5321 §4.2): `ddd-text` continuation lines
// and a final `ddd text` (or bare `ddd`). Pure; returns nil for "need more bytes".
import MailCore
import NIOCore

/// Parses replies for SMTP clients.
public struct ReplyParser: Sendable {
    private var code: Int?
    private var lines: [String] = []

    /// A reply line that is not `ddd`, `ddd text` or `ddd-text`, or changes code mid-reply.
    public struct Malformed: Error, Equatable {
        public let line: String
    }

    /// Longest reply line accepted, octets (RFC 5321 §4.5.3.1.5: 512).
    public static let lineLimit = 512

    public init() {}

    /// Consumes complete lines from `input` until one reply is complete.
    /// - Throws: `Malformed` for a bad line or one over the limit.
    public mutating func next(_ input: inout ByteBuffer) throws(Malformed) -> Reply? {
        while let newline = input.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - input.readerIndex + 1
            var bytes = Array(input.readBytes(length: length)!.dropLast())
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            let text = String(decoding: bytes, as: UTF8.self)
            guard bytes.count >= 3, bytes.count <= Self.lineLimit, let value = Int(text.prefix(3)), (200...599).contains(value),
                  bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-"),
                  code == nil || code == value
            else { throw Malformed(line: text) }
            code = value
            lines.append(bytes.count > 4 ? String(text.dropFirst(4)) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
                defer { code = nil; lines = [] }
                return Self.reply(code: value, lines: lines)
            }
        }
        if input.readableBytes > Self.lineLimit { throw Malformed(line: "(line over \(Self.lineLimit) octets)") }
        return nil
    }

    /// Splits an enhanced status code off the first word when the lines carry one.
    private static func reply(code: Int, lines: [String]) -> Reply {
        let words = lines[0].split(separator: " ", maxSplits: 1)
        if let first = words.first, first.split(separator: ".").count == 3,
           first.first.map(String.init) == String(code / 100) {
            return Reply(code, String(first), lines.map { line in
                line.hasPrefix(first) ? String(line.dropFirst(first.count).drop(while: { $0 == " " })) : line
            })
        }
        return Reply(code, "", lines)
    }
}
