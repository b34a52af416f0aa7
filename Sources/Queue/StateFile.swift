// Encoding of `queue/state/ID` (protocols/queue-format.md §State file): a magic line, the
// message's counters and one record per recipient, and a CRC-32 of every octet before it.
// Pure: bytes in, bytes out.
import MailCore
import NIOCore

/// The state file format.
public enum StateFile {
    /// First octets of every state file, with the format version.
    public static let magic: [UInt8] = Array("TERNS1\n".utf8)

    /// The file's octets for `state`.
    public static func encode(_ state: MessageState) -> [UInt8] {
        var out = ByteBuffer(bytes: magic)
        out.writeInteger(state.attempts)
        out.writeInteger(state.nextAttempt)
        out.writeInteger(UInt8((state.held ? 1 : 0) | (state.delayWarned ? 2 : 0)))
        out.writeInteger(UInt16(state.recipients.count))
        for recipient in state.recipients {
            out.writeInteger(recipient.state.rawValue)
            out.writeInteger(UInt8(recipient.reported ? 1 : 0))
            let reply = Array(recipient.lastReply.utf8.prefix(Int(UInt16.max)))
            out.writeInteger(UInt16(reply.count))
            out.writeBytes(reply)
        }
        var crc = CRC32()
        crc.update(out.readableBytesView)
        out.writeInteger(crc.value)
        return Array(out.readableBytesView)
    }

    /// Parses a state file for a message with `recipientCount` recipients.
    /// - Throws: `QueueFile.FormatError.checksumMismatch` for a damaged file,
    ///   `.badRecord` for one that does not parse exactly or has another recipient count.
    public static func decode(_ bytes: [UInt8], recipientCount: Int) throws(QueueFile.FormatError) -> MessageState {
        guard bytes.count >= magic.count + 4, Array(bytes.prefix(magic.count)) == magic else { throw .badMagic }
        var crc = CRC32()
        crc.update(bytes.dropLast(4))
        var buffer = ByteBuffer(bytes: bytes)
        guard buffer.getInteger(at: bytes.count - 4, as: UInt32.self) == crc.value else { throw .checksumMismatch }
        buffer.moveWriterIndex(to: bytes.count - 4)
        buffer.moveReaderIndex(forwardBy: magic.count)
        guard let attempts = buffer.readInteger(as: UInt32.self), let next = buffer.readInteger(as: Int64.self),
              let flags = buffer.readInteger(as: UInt8.self), let count = buffer.readInteger(as: UInt16.self),
              Int(count) == recipientCount
        else { throw .badRecord(0x53) }
        var recipients: [MessageState.Recipient] = []
        for _ in 0..<count {
            guard let raw = buffer.readInteger(as: UInt8.self), let state = RecipientState(rawValue: raw),
                  let reported = buffer.readInteger(as: UInt8.self), reported <= 1,
                  let length = buffer.readInteger(as: UInt16.self), let reply = buffer.readString(length: Int(length))
            else { throw .badRecord(0x53) }
            recipients.append(.init(state: state, reported: reported == 1, lastReply: reply))
        }
        guard buffer.readableBytes == 0 else { throw .badRecord(0x53) }
        return MessageState(attempts: attempts, nextAttempt: next, held: flags & 1 != 0, delayWarned: flags & 2 != 0,
                            recipients: recipients)
    }
}
