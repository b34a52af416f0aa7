// The sending side of RFC 5321 §4.5.2, streaming: every line that starts with "." gets a
// second one, every line end goes out as CRLF (a bare CR or LF becomes CRLF, so nothing
// but CRLF ever reaches the wire), and the content ends with <CRLF>.<CRLF>. Pure.
import NIOCore

/// Turns message content into DATA octets, piece by piece.
public struct DotStuffer: Sendable {
    private var atLineStart = true
    private var pendingCR = false

    public init() {}

    /// The wire form of the next piece of content.
    public mutating func encode(_ content: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(content.readableBytes + content.readableBytes / 64 + 4)
        for byte in content.readableBytesView {
            if pendingCR {
                pendingCR = false
                out.writeBytes([13, 10])
                atLineStart = true
                if byte == 10 { continue }
            }
            switch byte {
            case 13:
                pendingCR = true
            case 10:
                out.writeBytes([13, 10])
                atLineStart = true
            default:
                if atLineStart && byte == UInt8(ascii: ".") { out.writeInteger(UInt8(ascii: ".")) }
                out.writeInteger(byte)
                atLineStart = false
            }
        }
        return out
    }

    /// The end: a line end when the content did not end with one, then `.<CRLF>`.
    public mutating func finish() -> ByteBuffer {
        var out = ByteBuffer()
        if pendingCR || !atLineStart { out.writeBytes([13, 10]) }
        pendingCR = false
        atLineStart = true
        out.writeString(".\r\n")
        return out
    }
}
