// What a remote server offers, from its EHLO reply (RFC 5321 §4.1.1.1): keywords in any
// letter case (cases C16), with SIZE's maximum (RFC 1870 §4).
import MailCore

/// The ESMTP extensions of a server.
public struct ServerCapabilities: Sendable, Equatable {
    public var pipelining = false
    public var eightBitMIME = false
    public var smtpUTF8 = false
    public var dsn = false
    public var startTLS = false
    public var chunking = false
    /// SIZE's maximum in octets; nil when SIZE is not offered, 0 when offered without a limit.
    public var size: UInt64?

    public init() {}

    /// Reads the keyword lines of an EHLO reply (all lines but the first).
    public init(ehlo reply: Reply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ")
            guard let keyword = words.first?.uppercased() else { continue }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "DSN": dsn = true
            case "STARTTLS": startTLS = true
            case "CHUNKING": chunking = true
            case "SIZE": size = words.count > 1 ? UInt64(words[1]) ?? 0 : 0
            default: break
            }
        }
    }
}
