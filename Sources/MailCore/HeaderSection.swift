// The header section of a message (RFC 5322 §2.2): fields up to the first empty line,
// unfolded (§2.2.3). Enough to list a mailbox and to check a message for loops; not a MIME
// parser.

public enum HeaderSection {
    /// The fields of `bytes` up to the first empty line, names as written, values unfolded
    /// and trimmed of blanks. Accepts LF or CRLF line ends; a line without a colon that does
    /// not continue a field is skipped.
    public static func fields(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        walk(bytes) { name, value in
            if let name {
                fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            } else if !fields.isEmpty {
                fields[fields.count - 1].value += " " + String(decoding: value, as: UTF8.self)
            }
        }
        return fields
    }

    /// The unfolded, trimmed values of every field called `name` (ASCII case-insensitive,
    /// RFC 5322 §1.2.2), in order. Only those fields are decoded: the loop checks run on every
    /// delivery (the Delivered-To fields, RFC 9228 §4) and every relay (the Received count,
    /// RFC 5321 §6.3).
    public static func values(of name: String, in bytes: some Collection<UInt8>) -> [String] {
        let wanted = Array(name.utf8)
        var values: [String] = []
        var matching = false
        walk(bytes) { field, value in
            if let field {
                matching = field.count == wanted.count && zip(field, wanted).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
                if matching { values.append(String(decoding: value, as: UTF8.self)) }
            } else if matching {
                values[values.count - 1] += " " + String(decoding: value, as: UTF8.self)
            }
        }
        return values
    }

    /// The first value of the field `name` (case-insensitive), or nil.
    public static func value(of name: String, in fields: [(name: String, value: String)]) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Calls `visit` for each line of the header section: with the field name and the value
    /// after the colon for a field's first line, with nil and the line for a continuation
    /// (a line starting with a blank). Values are trimmed of blanks. One pass over contiguous
    /// bytes that stops at the empty line: a large body is never looked at.
    private static func walk(_ bytes: some Collection<UInt8>,
                             _ visit: (UnsafeBufferPointer<UInt8>?, UnsafeBufferPointer<UInt8>) -> Void) {
        let walked: Void? = bytes.withContiguousStorageIfAvailable { walk($0, visit) }
        if walked == nil { Array(bytes).withUnsafeBufferPointer { walk($0, visit) } }
    }

    private static func walk(_ bytes: UnsafeBufferPointer<UInt8>,
                             _ visit: (UnsafeBufferPointer<UInt8>?, UnsafeBufferPointer<UInt8>) -> Void) {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let lineFeed = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            var end = lineFeed
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end == start { return }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = lineFeed + 1
            if isBlank(line[0]) {
                visit(nil, trimmed(line))
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                visit(UnsafeBufferPointer(rebasing: line[..<colon]),
                      trimmed(UnsafeBufferPointer(rebasing: line[(colon + 1)...])))
            }
        }
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
              let last = bytes.lastIndex(where: { !isBlank($0) }) else { return UnsafeBufferPointer(rebasing: bytes[0..<0]) }
        return UnsafeBufferPointer(rebasing: bytes[first...last])
    }

    /// RFC 5234 WSP: space and horizontal tab.
    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
