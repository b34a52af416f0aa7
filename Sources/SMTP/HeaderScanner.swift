// Holds back the header section of incoming content until it is complete (RFC 5322 §2.2,
// up to the first empty line), so the session can check its size and, for submissions,
// add a missing Date and Message-ID (RFC 6409 §8.2, §8.3) in front of it. The body
// streams through untouched.
import NIOCore

/// Buffers content up to the end of the header section.
struct HeaderScanner: Sendable {
    private var held = ByteBuffer()
    private var done = false
    /// Octets of `held` already searched for the empty line (a slow sender costs linear time).
    private var searched = 0
    /// The largest header section accepted, in octets.
    let limit: Int

    init(limit: Int) { self.limit = limit }

    enum Outcome: Sendable {
        /// The header section was complete before: the content passes on as it is.
        case pass([ByteBuffer])
        /// The header section completed now: the whole header section (up to, not
        /// including, the empty line) and what followed it.
        case completed(header: ByteBuffer, rest: ByteBuffer)
        /// Still inside the header section; nothing to pass on yet.
        case holding
        /// The header section grew past the limit.
        case tooLarge
    }

    /// Takes the next pieces of content (CRLF line ends).
    mutating func take(_ pieces: [ByteBuffer]) -> Outcome {
        guard !done else { return .pass(pieces) }
        for var piece in pieces { held.writeBuffer(&piece) }
        let view = held.readableBytesView
        let from = view.startIndex + max(0, searched - 3)
        searched = view.count
        if let end = Self.endOfHeader(view, from: from) {
            done = true
            let header = held.getSlice(at: held.readerIndex, length: end - held.readerIndex)!
            let rest = held.getSlice(at: end, length: held.writerIndex - end)!
            held = ByteBuffer()
            return .completed(header: header, rest: rest)
        }
        return held.readableBytes > limit ? .tooLarge : .holding
    }

    /// The content still held at the end of the data (a message without an empty line).
    mutating func finish() -> ByteBuffer {
        done = true
        defer { held = ByteBuffer() }
        return held
    }

    /// The index just after the header section's last line (before the empty line), or
    /// the start when the content begins with an empty line.
    private static func endOfHeader(_ view: ByteBufferView, from: Int) -> Int? {
        let crlf: [UInt8] = [13, 10]
        if view.starts(with: crlf) { return view.startIndex }
        var index = from
        while index + 3 < view.endIndex {
            if view[index] == 13 && view[index + 1] == 10 && view[index + 2] == 13 && view[index + 3] == 10 { return index + 2 }
            index += 1
        }
        return nil
    }

    /// The field names (lower case) present in a complete header section.
    static func fieldNames(_ header: ByteBuffer) -> Set<String> {
        var names: Set<String> = []
        for line in header.readableBytesView.split(separator: 10) where !line.isEmpty {
            guard line.first != 32 && line.first != 9, let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            names.insert(String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased())
        }
        return names
    }
}
