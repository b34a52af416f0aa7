// Mailbox addresses as the envelope carries them (RFC 5321 §4.1.2): the local part is
// opaque data, only the domain is interpreted (case-insensitively, §2.4).

/// Helpers over an address string `local@domain`. The `@` is found among the octets
/// (ASCII never occurs inside a UTF-8 sequence), not by Character comparison, which costs
/// thousands of instructions per address.
public enum MailAddress {
    /// The domain after the last `@`, lower-cased; `nil` when there is none.
    public static func domain(of address: String) -> String? {
        guard let at = address.utf8.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        let domain = address[address.utf8.index(after: at)...]
        return domain.isEmpty ? nil : domain.lowercased()
    }

    /// The domain `address` is relayed to, lower case; nil when it is delivered here (no
    /// domain, or one of `localDomains`, lower case).
    public static func remoteDomain(of address: String, localDomains: Set<String>) -> String? {
        domain(of: address).flatMap { localDomains.contains($0) ? nil : $0 }
    }

    /// True when every octet of `address` is ASCII: it can be sent without SMTPUTF8
    /// (RFC 6531 §3.2).
    public static func isASCII(_ address: String) -> Bool {
        address.utf8.allSatisfy { $0 < 0x80 }
    }

    /// The local part before the last `@` (the whole address when there is none).
    public static func localPart(of address: String) -> String {
        guard let at = address.utf8.lastIndex(of: UInt8(ascii: "@")) else { return address }
        return String(address[..<at])
    }
}
