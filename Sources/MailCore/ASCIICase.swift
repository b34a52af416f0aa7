// ASCII case folding of single octets, for names compared case-insensitively as octets:
// SMTP keywords (RFC 5321 §2.4) and header field names (RFC 5322 §1.2.2).

extension UInt8 {
    /// The octet with an ASCII capital letter turned into its small letter; any other
    /// octet (UTF-8 included) unchanged.
    public var asciiLowercased: UInt8 {
        self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
    }
}
