// An SMTP reply: code (RFC 5321 §4.2), enhanced status code (RFC 3463, RFC 2034) and text.
// Replies are values so every daemon renders them the same way and MailWire can carry them.

/// One SMTP reply, possibly multi-line.
public struct Reply: Sendable, Hashable, CustomStringConvertible {
    /// The three-digit reply code (RFC 5321 §4.2.1), e.g. 250.
    public var code: Int
    /// The enhanced status code without its class prefix spelled out, e.g. `"2.1.0"`;
    /// empty for replies that carry none (the greeting, EHLO lines).
    public var enhanced: String
    /// One or more text lines, without CRLF.
    public var lines: [String]

    public init(_ code: Int, _ enhanced: String, _ lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ enhanced: String, _ text: String) { self.init(code, enhanced, [text]) }

    /// The reply class: 2 success, 3 intermediate, 4 temporary failure, 5 permanent failure.
    public var replyClass: Int { code / 100 }

    /// True for 4xx: the sender should try again later.
    public var isTemporary: Bool { replyClass == 4 }

    /// True for 5xx: the sender must not repeat the same command.
    public var isPermanent: Bool { replyClass == 5 }

    /// The wire form: `code-text` continuation lines and a final `code text`, each ending
    /// in CRLF, with the enhanced code as the first word of every line (RFC 2034 §4).
    public var wireText: String {
        var result = ""
        for (index, line) in lines.enumerated() {
            result += String(code)
            result += index == lines.count - 1 ? " " : "-"
            if !enhanced.isEmpty { result += enhanced + (line.isEmpty ? "" : " ") }
            result += line
            result += "\r\n"
        }
        return result
    }

    /// The reply on one line, for logs and bounces.
    public var description: String {
        "\(code) \(enhanced.isEmpty ? "" : enhanced + " ")\(lines.joined(separator: " "))"
    }
}

/// A reply carried as an error, so parsing and policy functions can return it.
public struct ReplyError: Error, Sendable, Equatable {
    public let reply: Reply
    public init(_ reply: Reply) { self.reply = reply }
}
