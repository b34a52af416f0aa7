// Payload primitives of protocols/mailwire.md: big-endian integers, `bytes` (u16 length
// and octets), `list<T>` (u16 count). Reading is bounds-checked: short input throws.
import MailCore
import NIOCore

/// Reads payload fields; every read throws `MailWireError.malformedPayload` when short.
struct PayloadReader {
    var buffer: ByteBuffer
    let type: MessageType

    mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) throws(MailWireError) -> T {
        guard let value = buffer.readInteger(as: T.self) else { throw .malformedPayload(type) }
        return value
    }

    mutating func bytes() throws(MailWireError) -> String {
        let length = try integer(UInt16.self)
        guard let text = buffer.readString(length: Int(length)) else { throw .malformedPayload(type) }
        return text
    }

    mutating func list<T>(count: Int, _ element: (inout PayloadReader) throws(MailWireError) -> T) throws(MailWireError) -> [T] {
        var items: [T] = []
        items.reserveCapacity(min(count, 1024))
        for _ in 0..<count { items.append(try element(&self)) }
        return items
    }

    /// A queue entry (protocols/mailwire.md §Compound values).
    mutating func queueEntry() throws(MailWireError) -> QueueSummary {
        guard let id = QueueID(try bytes()) else { throw .malformedPayload(type) }
        let size: UInt64 = try integer()
        let arrival: Int64 = try integer()
        let reversePath = try bytes()
        let next: Int64 = try integer()
        let attempts: UInt32 = try integer()
        let flags: UInt8 = try integer()
        let count = Int(try integer(UInt16.self))
        let recipients = try list(count: count) { (r: inout PayloadReader) throws(MailWireError) -> QueueSummary.Recipient in
            let address = try r.bytes()
            guard let state = RecipientState(rawValue: try r.integer()) else { throw .malformedPayload(r.type) }
            return .init(address: address, state: state, lastReply: try r.bytes())
        }
        return QueueSummary(queueID: id, size: size, arrival: arrival, reversePath: reversePath, nextAttempt: next,
                            attempts: attempts, held: flags & 1 != 0, recipients: recipients)
    }

    /// Leftover octets are an error: a peer that sends more than the type holds does not
    /// speak this version.
    func finish() throws(MailWireError) {
        guard buffer.readableBytes == 0 else { throw .malformedPayload(type) }
    }
}

/// A queue ID as read from the wire, checked by the caller with `QueueID.init?`.

extension ByteBuffer {
    /// Writes a MailWire `bytes` field; text longer than 65,535 octets is cut there.
    mutating func writeField(_ text: String) {
        let utf8 = text.utf8.prefix(Int(UInt16.max))
        writeInteger(UInt16(utf8.count))
        writeBytes(utf8)
    }
}
