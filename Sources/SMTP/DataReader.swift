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

    /// Whether `byte` leaves the scan inside a line: anything but NUL, LF and CR.
    private static func staysInLine(_ byte: UInt8) -> Bool {
        byte > 13 || (byte != 0 && byte != 10 && byte != 13)
    }

    /// A mask of `word`'s eight octets (first octet lowest) whose lowest set bit is the top
    /// bit of the first octet below 14 (NUL, LF and CR are); zero when there is none. That
    /// octet borrows into its own top bit in `word - 0x0E…`, and no octet of 14 or more
    /// sets a top bit that `~word` keeps; octets after it may be marked by its borrow, but
    /// only the lowest mark is used ("hasless", Bit Twiddling Hacks).
    private static func octetsBelow14(_ word: UInt64) -> UInt64 {
        (word &- 0x0E0E_0E0E_0E0E_0E0E) & ~word & 0x8080_8080_8080_8080
    }

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
                    // Fast path: inside a line only NUL, LF and CR change anything. Eight
                    // octets are passed over at once while none of them is below 14, and
                    // the first one that is comes straight from the mask.
                    var run = offset
                    while run < bytes.count {
                        if run + 8 <= bytes.count {
                            let below = Self.octetsBelow14(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: run, as: UInt64.self)))
                            if below == 0 {
                                run += 8
                                continue
                            }
                            run += below.trailingZeroBitCount / 8
                        }
                        let byte = bytes[run]
                        guard Self.staysInLine(byte) else { break }
                        run += 1
                    }
                    lineLength += run - offset
                    offset = run
                    if offset == bytes.count { break scan }
                    // The usual line end in one step: CRLF, then an octet that starts an
                    // ordinary line (no dot, CR, LF or NUL), which leaves the scan in a line.
                    if bytes[offset] == UInt8(ascii: "\r"), offset + 2 < bytes.count, bytes[offset + 1] == UInt8(ascii: "\n"),
                       case let next = bytes[offset + 2], next != UInt8(ascii: "."), Self.staysInLine(next) {
                        longestLine = max(longestLine, lineLength + 2)
                        lineLength = 1
                        offset += 3
                        continue scan
                    }
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
