// Maildir files use LF line ends (Postfix, qmail and every Maildir reader expect them);
// SMTP content uses CRLF. Converts across chunk boundaries.
import NIOCore

/// Streams CRLF content into LF content.
struct LineEndingConverter {
    private var pendingCR = false

    /// The LF form of the next piece of content.
    mutating func convert(_ content: ByteBuffer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.readableBytes + 1)
        for byte in content.readableBytesView {
            if pendingCR {
                pendingCR = false
                if byte != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\r")) }
            }
            if byte == UInt8(ascii: "\r") {
                pendingCR = true
            } else {
                out.append(byte)
            }
        }
        return out
    }

    /// A CR held at the very end of the content is content.
    mutating func finish() -> [UInt8] {
        defer { pendingCR = false }
        return pendingCR ? [UInt8(ascii: "\r")] : []
    }
}
