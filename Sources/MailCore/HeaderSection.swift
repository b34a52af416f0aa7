// The header section of a message (RFC 5322 §2.2): fields up to the first empty line,
// unfolded (§2.2.3). Enough to list a mailbox; not a MIME parser.

public enum HeaderSection {
    /// The fields of `bytes` up to the first empty line, names as written, values unfolded
    /// and trimmed. Accepts LF or CRLF line ends.
    public static func fields(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)] {
        // One pass over contiguous bytes that stops at the empty line: a large body is
        // never looked at.
        if let found = bytes.withContiguousStorageIfAvailable(fields(in:)) { return found }
        return Array(bytes).withUnsafeBufferPointer(fields(in:))
    }

    private static func fields(in bytes: UnsafeBufferPointer<UInt8>) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let lineFeed = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            var end = lineFeed
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end == start { break }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = lineFeed + 1
            let text = String(decoding: line, as: UTF8.self)
            if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
                if !fields.isEmpty { fields[fields.count - 1].value += " " + text.trimmingBlanks() }
                continue
            }
            guard let colon = text.firstIndex(of: ":") else { continue }
            fields.append((String(text[..<colon]), text[text.index(after: colon)...].trimmingBlanks()))
        }
        return fields
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public static func value(of name: String, in fields: [(name: String, value: String)]) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
