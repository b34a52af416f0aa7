// The DATA phase reader (RFC 5321 §4.1.1.4, §4.5.2): removes the leading dot of every
// line that has one and finds the end of data, which is <CRLF>.<CRLF> and nothing else.
// A line starts only after CRLF; a bare LF or CR never starts one, so no other ending
// (\n.\n, \r.\r, ...) can end the message early. Pure: bytes in, content slices out.
import NIOCore

/// Streams message content out of the DATA phase.
public struct DataReader: Sendable {
    private enum Position: Sendable {
        /// At the start of a line (after CRLF, or at the start of the data).
        case lineStart
        /// Inside a line.
        case inLine
        /// Inside a line, just after a CR that may begin CRLF.
        case afterCR
        /// A leading dot was removed; the line may be the terminator.
        case afterDot
        /// A leading dot and a CR were seen; LF now ends the data. The CR is held back.
        case afterDotCR
    }

    private var position = Position.lineStart
    /// Content octets produced so far (after unstuffing).
    public private(set) var contentLength: UInt64 = 0
    /// True once a CR not followed by LF, or an LF not preceded by CR, was seen (RFC 5322
    /// §2.3 forbids them; they are content, never line ends, and the session refuses them).
    public private(set) var sawBareLineEnd = false
    /// True once a NUL octet was seen (kept as data, never a terminator).
    public private(set) var sawNUL = false
    /// The longest line so far in octets, CRLF included (RFC 5321 §4.5.3.1.6).
    public private(set) var longestLine = 0
    private var lineLength = 0

    public init() {}

    /// What one call produced.
    public struct Output: Sendable {
        /// Content in order, as slices of the input where possible (no copies).
        public var content: [ByteBuffer] = []
        /// True when the terminating `.<CRLF>` was consumed; the input's remaining bytes
        /// are the next commands (pipelining).
        public var ended = false
    }

    private static let heldCR: ByteBuffer = ByteBuffer(bytes: [UInt8(ascii: "\r")])

    /// Consumes bytes from `input` up to and including the end of data, or all of it.
    public mutating func read(_ input: inout ByteBuffer) -> Output {
        var output = Output()
        let start = input.readerIndex
        var runStart = start
        var index = start
        var ended = false
        input.withUnsafeReadableBytes { bytes in
            var offset = 0
            func emitRun(upTo end: Int) {
                if end > runStart { output.content.append(input.getSlice(at: runStart, length: end - runStart)!) }
            }
            scan: while offset < bytes.count {
                if position == .inLine {
                    // Fast path: inside a line only NUL, LF and CR change anything.
                    var run = offset
                    while run < bytes.count {
                        let byte = bytes[run]
                        guard byte > 13 || (byte != 0 && byte != 10 && byte != 13) else { break }
                        run += 1
                    }
                    lineLength += run - offset
                    offset = run
                    if offset == bytes.count { break scan }
                }
                let byte = bytes[offset]
                let absolute = start + offset
                lineLength += 1
                if byte == 0 { sawNUL = true }
                if byte == UInt8(ascii: "\n") {
                    if position != .afterCR && position != .afterDotCR { sawBareLineEnd = true }
                    longestLine = max(longestLine, lineLength)
                    lineLength = 0
                } else if position == .afterCR || position == .afterDotCR {
                    sawBareLineEnd = true
                }
                switch position {
                case .lineStart:
                    if byte == UInt8(ascii: ".") {
                        emitRun(upTo: absolute)
                        runStart = absolute + 1
                        position = .afterDot
                    } else {
                        position = byte == UInt8(ascii: "\r") ? .afterCR : .inLine
                    }
                case .inLine:
                    if byte == UInt8(ascii: "\r") { position = .afterCR }
                case .afterCR:
                    position = byte == UInt8(ascii: "\n") ? .lineStart : byte == UInt8(ascii: "\r") ? .afterCR : .inLine
                case .afterDot:
                    if byte == UInt8(ascii: "\r") {
                        emitRun(upTo: absolute)
                        runStart = absolute + 1
                        position = .afterDotCR
                    } else {
                        position = .inLine
                    }
                case .afterDotCR:
                    if byte == UInt8(ascii: "\n") {
                        offset += 1
                        ended = true
                        break scan
                    }
                    // Not the terminator: the held CR was content. A second CR may start CRLF.
                    output.content.append(Self.heldCR)
                    position = byte == UInt8(ascii: "\r") ? .afterCR : .inLine
                }
                offset += 1
            }
            index = start + offset
            if !ended { emitRun(upTo: index) }
        }
        input.moveReaderIndex(to: index)
        output.ended = ended
        for piece in output.content { contentLength += UInt64(piece.readableBytes) }
        if ended {
            position = .lineStart
            lineLength = 0
        }
        return output
    }
}
