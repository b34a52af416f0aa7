// The on-disk form of one queued message (protocols/queue-format.md): a magic line with
// the format version, a length-prefixed header record (queue ID, arrival, and the envelope
// with its RFC 3461 DSN parameters), the content as received, and an end record carrying
// the content length and a CRC-32 of every octet before it. A file without a valid end
// record was never committed and is not trusted.
import MailCore
import MailWire
import NIOCore

/// Encoding and validation of queue files. Pure: bytes in, bytes out.
public enum QueueFile {
    /// First octets of every queue file, with the format version.
    public static let magic: [UInt8] = Array("TERNQ1\n".utf8)
    /// Record types (`u8 type, u32 length, payload`).
    enum RecordType: UInt8 { case header = 0x48, end = 0x45 }
    /// Octets in the end record: type, length, u64 content length, u32 CRC-32.
    public static let endRecordSize = 17

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
    public enum FormatError: Error, Equatable, CustomStringConvertible {
        case badMagic
        case badHeader
        case badRecord(UInt8)
        case missingEndRecord
        case lengthMismatch
        case checksumMismatch

        public var description: String {
            switch self {
            case .badMagic: "not a Tern queue file (bad magic)"
            case .badHeader: "header record malformed or not matching the file name"
            case .badRecord(let type): "unexpected record type 0x\(String(type, radix: 16))"
            case .missingEndRecord: "no end record (never committed, or truncated)"
            case .lengthMismatch: "end record length does not match the file size"
            case .checksumMismatch: "checksum mismatch"
            }
        }
    }

    /// The octets before the content: magic and header record.
    public static func prefix(_ header: Header) -> [UInt8] {
        var record = ByteBuffer()
        record.writeInteger(UInt16(header.queueID.rawValue.utf8.count))
        record.writeString(header.queueID.rawValue)
        record.writeInteger(header.arrival)
        var envelope = Message.enqueue(header.envelope).frame(requestID: 0).payload
        record.writeBuffer(&envelope)
        var out = ByteBuffer(bytes: magic)
        writeRecord(.header, &record, into: &out)
        return Array(out.readableBytesView)
    }

    /// The end record for `contentLength` octets of content and the CRC-32 of every octet
    /// before the end record.
    public static func endRecord(contentLength: UInt64, checksum: UInt32) -> [UInt8] {
        var payload = ByteBuffer()
        payload.writeInteger(contentLength)
        payload.writeInteger(checksum)
        var out = ByteBuffer()
        writeRecord(.end, &payload, into: &out)
        return Array(out.readableBytesView)
    }

    /// Reads the header record from the start of a file.
    /// - Returns: the header and the offset where the content starts.
    /// - Throws: `FormatError` for a bad magic or a record that does not parse exactly.
    public static func parseHeader(_ bytes: [UInt8]) throws(FormatError) -> (Header, contentOffset: Int) {
        var buffer = ByteBuffer(bytes: bytes)
        guard buffer.readBytes(length: magic.count) == magic else { throw .badMagic }
        var record = try readRecord(.header, from: &buffer)
        guard let idLength = record.readInteger(as: UInt16.self),
              let idText = record.readString(length: Int(idLength)), let id = QueueID(idText),
              let arrival = record.readInteger(as: Int64.self),
              case .enqueue(let envelope)? = try? Message(frame: Frame(type: .enqueue, requestID: 0, payload: record))
        else { throw .badHeader }
        return (Header(queueID: id, arrival: arrival, envelope: envelope), buffer.readerIndex)
    }

    /// Checks the end record against the file size.
    /// - Returns: the content length and the checksum the end record carries.
    public static func validateEnd(_ end: [UInt8], fileSize: UInt64, contentOffset: Int) throws(FormatError) -> (length: UInt64, checksum: UInt32) {
        var buffer = ByteBuffer(bytes: end)
        guard end.count == endRecordSize, let payload = try? readRecord(.end, from: &buffer),
              let length = payload.getInteger(at: payload.readerIndex, as: UInt64.self),
              let checksum = payload.getInteger(at: payload.readerIndex + 8, as: UInt32.self), payload.readableBytes == 12
        else { throw .missingEndRecord }
        guard UInt64(contentOffset) + length + UInt64(endRecordSize) == fileSize else { throw .lengthMismatch }
        return (length, checksum)
    }

    private static func writeRecord(_ type: RecordType, _ payload: inout ByteBuffer, into out: inout ByteBuffer) {
        out.writeInteger(type.rawValue)
        out.writeInteger(UInt32(payload.readableBytes))
        out.writeBuffer(&payload)
    }

    private static func readRecord(_ type: RecordType, from buffer: inout ByteBuffer) throws(FormatError) -> ByteBuffer {
        guard let raw = buffer.readInteger(as: UInt8.self) else { throw .badHeader }
        guard raw == type.rawValue else { throw .badRecord(raw) }
        guard let length = buffer.readInteger(as: UInt32.self), let payload = buffer.readSlice(length: Int(length)) else {
            throw type == .end ? .missingEndRecord : .badHeader
        }
        return payload
    }
}
