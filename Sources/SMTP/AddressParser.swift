// Paths in MAIL and RCPT (RFC 5321 §4.1.2): `<>`, `<mailbox>`, `<@route,@route:mailbox>`.
// Source routes are accepted and dropped (§4.1.1.3, App. C). The local part is kept
// exactly as written: opaque, never interpreted.
import MailCore

enum AddressParser {
    /// Parses `<...>` at the start of `text`.
    /// - Returns: the mailbox (empty for `<>`) and the text after `>`.
    static func path(_ text: Substring) -> Result<(String, Substring), ReplyError> {
        guard text.first == "<" else { return .failure(ReplyError(.badArgument("address must be in angle brackets"))) }
        var inQuotes = false
        var escaped = false
        var close: Substring.Index?
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if character == "\\" && inQuotes {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if character == ">" && !inQuotes {
                close = index
                break
            }
            index = text.index(after: index)
        }
        guard let close else { return .failure(ReplyError(.badArgument("missing closing angle bracket"))) }
        var inner = text[text.index(after: text.startIndex)..<close]
        let rest = text[text.index(after: close)...]
        if !rest.isEmpty && rest.first != " " { return .failure(ReplyError(.badArgument("text after the address"))) }
        if inner.first == "@" {
            guard let colon = inner.firstIndex(of: ":"), inner[..<colon].count > 1 else {
                return .failure(ReplyError(.badArgument("malformed source route")))
            }
            inner = inner[inner.index(after: colon)...]
        }
        if inner.isEmpty { return .success(("", rest)) }
        guard let mailbox = validMailbox(inner) else { return .failure(ReplyError(.badArgument("malformed address <\(inner)>"))) }
        return .success((mailbox, rest))
    }

    /// `local@domain` with a non-empty local part (dot-atom or quoted string) and a domain
    /// (name or address literal); or `Postmaster` alone (§4.1.1.3). No spaces outside quotes.
    /// Stray dots (`../x`, `a..b`) are let through as Postfix does by default: a local
    /// domain refuses such a name with 550 5.1.1 (no such user), a remote one judges it.
    private static func validMailbox(_ text: Substring) -> String? {
        if text.lowercased() == "postmaster" { return String(text) }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        if local.first == "\"" {
            guard local.count >= 2, local.last == "\"" else { return nil }
        } else {
            guard !local.contains(" ") else { return nil }
        }
        if domain.first == "[" {
            guard domain.last == "]" else { return nil }
        } else {
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } }) else { return nil }
        }
        return String(text)
    }
}
