// Decoding of RFC 2047 encoded-words (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`) in header
// field values, for display. Unknown charsets and malformed words are left as written.
import FoundationEssentials

public enum EncodedWords {
    /// `text` with every encoded-word decoded; white space between two adjacent
    /// encoded-words is dropped (RFC 2047 §6.2).
    public static func decode(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        var previousWasWord = false
        while let start = markerIndex(in: rest) {
            let before = rest[..<start]
            guard let (decoded, end) = word(in: rest[start...]) else {
                out += String(before) + "=?"
                rest = rest[rest.index(start, offsetBy: 2)...]
                previousWasWord = false
                continue
            }
            let onlySpace = before.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
            if !(previousWasWord && onlySpace) { out += String(before) }
            out += decoded
            rest = rest[end...]
            previousWasWord = true
        }
        return out + String(rest)
    }

    /// Where the next `=?` starts.
    private static func markerIndex(in text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "=" && next < text.endIndex && text[next] == "?" { return index }
            index = next
        }
        return nil
    }

    /// Decodes `=?charset?encoding?text?=` at the start of `text`.
    private static func word(in text: Substring) -> (String, Substring.Index)? {
        let parts = text.dropFirst(2).split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[3].hasPrefix("="), !parts[2].contains(" ") else { return nil }
        let charset = parts[0].lowercased().split(separator: "*").first.map(String.init) ?? ""
        let bytes: [UInt8]?
        switch parts[1].uppercased() {
        case "B": bytes = Data(base64Encoded: String(parts[2])).map(Array.init)
        case "Q": bytes = quoted(parts[2])
        default: bytes = nil
        }
        guard let bytes else { return nil }
        let decoded: String? = switch charset {
        case "utf-8", "us-ascii": String(validating: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1": String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: nil
        }
        guard let decoded else { return nil }
        return (decoded, parts[3].index(after: parts[3].startIndex))
    }

    /// The Q encoding (RFC 2047 §4.2): `_` is space, `=XX` an octet.
    private static func quoted(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "_"): bytes.append(0x20)
            case UInt8(ascii: "="):
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return bytes
    }
}
