// The sending side of RFC 5321 §4.5.2: every line that starts with "." gets a second one,
// line ends become CRLF, and the content ends with <CRLF>.<CRLF>. Pure.

public enum DotStuffing {
    /// The DATA form of a message: LF or CRLF line ends in, CRLF out; leading dots doubled;
    /// a missing final line end added; the terminating `.<CRLF>` appended.
    public static func encode(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 32 + 5)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            if byte == UInt8(ascii: "\r") && index + 1 < message.count && message[index + 1] == UInt8(ascii: "\n") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\n") {
                out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
                atLineStart = true
            } else {
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")] }
        return out + Array(".\r\n".utf8)
    }
}
