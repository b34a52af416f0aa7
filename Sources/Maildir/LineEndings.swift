// Maildir files use LF line ends (Postfix, qmail and every Maildir reader expect them);
// SMTP content uses CRLF. Converts across chunk boundaries, copying the runs between CRs
// whole (memchr finds the next CR).
import Glibc
import NIOCore

/// Streams CRLF content into LF content.
struct LineEndingConverter {
    private var pendingCR = false
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// The LF form of the next piece of content: every CR directly before an LF is dropped
    /// (a CR ending the piece is decided by the next one); any other CR is kept.
    mutating func convert(_ content: ByteBuffer) -> [UInt8] {
        content.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 1)
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return out }
            if pendingCR {
                pendingCR = false
                if bytes[0] != Self.lf { out.append(Self.cr) }
            }
            var start = 0
            while start < bytes.count {
                guard let found = memchr(base + start, CInt(Self.cr), bytes.count - start) else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                    break
                }
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                if index + 1 == bytes.count {
                    pendingCR = true
                } else if bytes[index + 1] != Self.lf {
                    out.append(Self.cr)
                }
                start = index + 1
            }
            return out
        }
    }

    /// A CR held at the very end of the content is content.
    mutating func finish() -> [UInt8] {
        defer { pendingCR = false }
        return pendingCR ? [Self.cr] : []
    }
}
