// The on-disk form of one queued message (protocols/queue-format.md): a magic line, a
// length-prefixed header record (queue ID, arrival, envelope in MailWire's ENQUEUE layout),
// the content as received, and a required end record with the content length. A file
// without a valid end record was never committed and is not trusted.
import MailCore
import MailWire
import NIOCore

/// Encoding and validation of queue files. Pure: bytes in, bytes out.
public enum QueueFile {
    /// First octets of every queue file, with the format version.
    public static let magic: [UInt8] = Array("TERNQ1\n".utf8)
    /// First octets of the end record.
    public static let endMagic: [UInt8] = Array("TERNEND\n".utf8)
    /// Octets in the end record: magic and a u64 content length.
    public static let endRecordSize = 16

    /// The header record of a queue file.
    public struct Header: Sendable, Equatable {
        public var queueID: QueueID
        /// Unix seconds.
        public var arrival: Int64
        public var envelope: Envelope

        public init(queueID: QueueID, arrival: Int64, envelope: Envelope) {
            self.queueID = queueID
            self.arrival = arrival
            self.envelope = envelope
        }
    }

    /// Why a queue file cannot be trusted.
    public enum FormatError: Error, Equatable {
        case badMagic
        case badHeader
        case missingEndRecord
        case lengthMismatch
    }

    /// The octets before the content: magic, u32 header length, header.
    public static func prefix(_ header: Header) -> [UInt8] {
        var record = ByteBuffer()
        record.writeInteger(UInt16(header.queueID.rawValue.utf8.count))
        record.writeString(header.queueID.rawValue)
        record.writeInteger(header.arrival)
        var envelope = Message.enqueue(header.envelope).frame(requestID: 0).payload
        record.writeBuffer(&envelope)
        var out = ByteBuffer(bytes: magic)
        out.writeInteger(UInt32(record.readableBytes))
        out.writeBuffer(&record)
        return Array(out.readableBytesView)
    }

    /// The end record for `contentLength` octets of content.
    public static func endRecord(contentLength: UInt64) -> [UInt8] {
        var out = ByteBuffer(bytes: endMagic)
        out.writeInteger(contentLength)
        return Array(out.readableBytesView)
    }

    /// Reads the header from the start of a file.
    /// - Returns: the header and the offset where the content starts.
    public static func parseHeader(_ bytes: [UInt8]) throws(FormatError) -> (Header, contentOffset: Int) {
        var buffer = ByteBuffer(bytes: bytes)
        guard buffer.readBytes(length: magic.count) == magic else { throw .badMagic }
        guard let length = buffer.readInteger(as: UInt32.self), var record = buffer.readSlice(length: Int(length)),
              let idLength = record.readInteger(as: UInt16.self),
              let idText = record.readString(length: Int(idLength)), let id = QueueID(idText),
              let arrival = record.readInteger(as: Int64.self)
        else { throw .badHeader }
        guard case .enqueue(let envelope)? = try? Message(frame: Frame(type: .enqueue, requestID: 0, payload: record)) else {
            throw .badHeader
        }
        return (Header(queueID: id, arrival: arrival, envelope: envelope), magic.count + 4 + Int(length))
    }

    /// Checks the end record against the file size.
    /// - Returns: the content length.
    public static func validateEnd(_ end: [UInt8], fileSize: UInt64, contentOffset: Int) throws(FormatError) -> UInt64 {
        guard end.count == endRecordSize, Array(end.prefix(endMagic.count)) == endMagic else { throw .missingEndRecord }
        let length = ByteBuffer(bytes: end.suffix(8)).getInteger(at: 0, as: UInt64.self)!
        guard UInt64(contentOffset) + length + UInt64(endRecordSize) == fileSize else { throw .lengthMismatch }
        return length
    }
}
