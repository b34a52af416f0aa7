// Writing a delivery status notification into the queue as a new message: the report's
// parts around the original's header section (or whole content), copied from the original
// queue file in bounded pieces.
import MailCore
import NIOCore
import PosixFile

extension QueueStore {
    /// The most header octets a report returns (a header section is rarely over a few KiB).
    static let headerLimit = 256 * 1024

    /// Writes `report` about `original` to `incoming/`; commit it with `commit(_:)`.
    /// - Throws: `FileError`; nothing is left behind then.
    public func createReport(_ report: DeliveryReport, about original: StoredMessage) throws(FileError) -> IncomingMessage {
        let incoming = create(QueueFile.Header(queueID: report.reportID, arrival: report.now, envelope: report.envelope))
        do {
            try incoming.append(ByteBuffer(bytes: report.prefix))
            var offset: UInt64 = 0
            while offset < original.contentLength {
                var piece = try readContent(of: original, from: offset, length: 65_536)
                offset += UInt64(piece.readableBytes)
                if !report.returnsFullMessage, let end = Self.endOfHeaders(in: piece, limit: Self.headerLimit - Int(offset) + piece.readableBytes) {
                    piece = piece.getSlice(at: piece.readerIndex, length: end)!
                    offset = original.contentLength
                }
                try incoming.append(piece)
            }
            try incoming.append(ByteBuffer(bytes: report.suffix))
        } catch {
            incoming.abort()
            throw error
        }
        return incoming
    }

    /// The length of the header section in `piece` (through the CRLF that ends the last
    /// field), when the blank line is in it or the limit is reached.
    static func endOfHeaders(in piece: ByteBuffer, limit: Int) -> Int? {
        let bytes = Array(piece.readableBytesView)
        if bytes.starts(with: [13, 10]) { return 0 }
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 { return index + 2 }
            index += 1
        }
        return bytes.count >= limit ? max(0, limit) : nil
    }
}
