// xtext (RFC 3461 §4): printable ASCII except "+" and "=", with other octets as "+XX"
// (two upper-case hex digits). Used by ENVID, ORCPT and AUTH=.

public enum XText {
    /// Decodes xtext; nil when it is not valid xtext or not UTF-8.
    public static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case 33...126 where byte != UInt8(ascii: "="):
                bytes.append(byte)
            default:
                return nil
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Encodes text as xtext.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (33...126).contains(byte) && byte != UInt8(ascii: "+") && byte != UInt8(ascii: "=") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append(contentsOf: ["+", digits[Int(byte >> 4)], digits[Int(byte & 15)]])
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
