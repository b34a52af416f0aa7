// Leading and trailing blanks (RFC 5234 WSP: space and horizontal tab), as the field
// values, alias lines and table lines Tern reads are trimmed.

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: blank).reversed().drop(while: blank).reversed())
    }
}
