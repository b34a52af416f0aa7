// Paths in MAIL and RCPT (RFC 5321 §4.1.2): `<>`, `<mailbox>`, `<@route,@route:mailbox>`.
// Source routes are accepted and dropped (§4.1.1.3, App. C). The local part is kept
// exactly as written: opaque, never interpreted.
import MailCore

enum AddressParser {
    /// Parses `<...>` at the start of `text`.
    /// - Returns: the mailbox (empty for `<>`) and the text after `>`.
    static func path(_ text: Substring) -> Result<(String, Substring), ReplyError> {
        // Scanned as octets (§2.3.1): the delimiters are ASCII, and UTF-8 never uses ASCII
        // octets inside a multi-octet character.
        let octets = text.utf8
        guard octets.first == UInt8(ascii: "<") else { return .failure(ReplyError(.badArgument("address must be in angle brackets"))) }
        var inQuotes = false
        var escaped = false
        var close: Substring.Index?
        var index = octets.index(after: octets.startIndex)
        while index < octets.endIndex {
            let octet = octets[index]
            if escaped {
                escaped = false
            } else if octet == UInt8(ascii: "\\") && inQuotes {
                escaped = true
            } else if octet == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if octet == UInt8(ascii: ">") && !inQuotes {
                close = index
                break
            }
            octets.formIndex(after: &index)
        }
        guard let close else { return .failure(ReplyError(.badArgument("missing closing angle bracket"))) }
        var inner = text[octets.index(after: octets.startIndex)..<close]
        let rest = text[octets.index(after: close)...]
        if let next = rest.utf8.first, next != UInt8(ascii: " ") { return .failure(ReplyError(.badArgument("text after the address"))) }
        if inner.utf8.first == UInt8(ascii: "@") {
            guard let colon = inner.utf8.firstIndex(of: UInt8(ascii: ":")), inner.utf8[..<colon].count > 1 else {
                return .failure(ReplyError(.badArgument("malformed source route")))
            }
            inner = inner[inner.utf8.index(after: colon)...]
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
        if text.utf8.count == 10 && text.lowercased() == "postmaster" { return String(text) }
        guard let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = text.utf8[..<at]
        let domain = text[text.utf8.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return nil }
        } else {
            guard !local.contains(UInt8(ascii: " ")) else { return nil }
        }
        if domain.utf8.first == UInt8(ascii: "[") {
            guard domain.utf8.last == UInt8(ascii: "]") else { return nil }
        } else {
            let labels = domain.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard labels.allSatisfy(isDomainLabel) else { return nil }
        }
        return String(text)
    }

    /// Letters, digits and hyphens, at least one: ASCII octets checked as such, a label
    /// with UTF-8 (an SMTPUTF8 domain) by its characters' Unicode properties.
    private static func isDomainLabel(_ label: Substring.UTF8View.SubSequence) -> Bool {
        guard !label.isEmpty else { return false }
        guard label.allSatisfy({ $0 < 0x80 }) else {
            return Substring(label).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
        return label.allSatisfy { octet in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(octet | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(octet)
                || octet == UInt8(ascii: "-")
        }
    }
}
