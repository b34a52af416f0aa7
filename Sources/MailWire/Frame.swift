// The MailWire frame (protocols/mailwire.md §Frame): a 12-octet big-endian header
// (length, version, type, flags, request id) and a payload of `length` octets.
import NIOCore

/// One MailWire frame with its payload still encoded.
public struct Frame: Sendable, Equatable {
    /// The only version this codec speaks.
    public static let version: UInt8 = 1
    /// Octets in the header.
    public static let headerSize = 12
    /// The largest payload a receiver accepts (1 MiB).
    public static let maximumPayload = 1_048_576
    /// The largest content chunk a sender writes (64 KiB).
    public static let maximumChunk = 65_536

    public var type: MessageType
    /// Reserved in v1: sent as 0, ignored on receipt.
    public var flags: UInt16
    public var requestID: UInt32
    public var payload: ByteBuffer

    public init(type: MessageType, flags: UInt16 = 0, requestID: UInt32, payload: ByteBuffer) {
        self.type = type
        self.flags = flags
        self.requestID = requestID
        self.payload = payload
    }

    /// Payloads of this many octets or more (message content, mostly) are written from
    /// their own buffers behind their header, uncopied (`FrameWriter`,
    /// `BlockingFrameChannel.send`); smaller frames are joined into one buffer, since one
    /// buffer to write costs less than two for a few dozen octets.
    static let separatePayload = 4_096

    /// Appends the 12-octet header: payload length, version, type, flags, request id,
    /// big-endian.
    func writeHeader(into out: inout ByteBuffer) {
        out.writeInteger(UInt32(payload.readableBytes))
        out.writeInteger(Frame.version)
        out.writeInteger(type.rawValue)
        out.writeInteger(flags)
        out.writeInteger(requestID)
    }
}

/// The message types of MailWire v1 (protocols/mailwire.md §Message types).
public enum MessageType: UInt8, Sendable {
    case hello = 0x01, welcome = 0x02, error = 0x03, ok = 0x04, chunk = 0x05
    case enqueue = 0x10, queueID = 0x11, commit = 0x12, queued = 0x13, abort = 0x14
    case deliver = 0x20, end = 0x21, delivered = 0x22, recipientCheck = 0x23
    case queueList = 0x30, queueListing = 0x31, queueShow = 0x32, queueDetail = 0x33
    case queueControl = 0x34, queueVerify = 0x35, queueReport = 0x36
    case mailboxList = 0x40, mailboxListing = 0x41, mailboxRead = 0x42
}

/// Why a peer's bytes are not MailWire v1. Every case ends the connection after an ERROR frame.
public enum MailWireError: Error, Equatable, Sendable {
    /// The header announced more than `Frame.maximumPayload` octets.
    case oversized(length: UInt32)
    /// The header's version is not 1.
    case unsupportedVersion(UInt8)
    /// The header's type is not in the table.
    case unknownType(UInt8)
    /// The connection ended inside a frame.
    case truncated
    /// The payload is shorter than its type needs, or has octets left over.
    case malformedPayload(MessageType)
    /// A frame that is valid but not allowed at this point of the conversation.
    case unexpected(MessageType)
}
