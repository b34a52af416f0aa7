// Splits a byte stream into frames. Pure: returns nil for "need more bytes" and throws for
// bytes that can never become a valid frame, so the caller answers ERROR and closes.
import NIOCore

/// A `NIOSingleStepByteToMessageDecoder` for MailWire frames.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    public init() {}

    /// - Throws: `MailWireError.oversized`, `.unsupportedVersion` or `.unknownType` as soon
    ///   as the header shows it, before the payload arrives.
    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self),
              let rawType = buffer.getInteger(at: buffer.readerIndex + 5, as: UInt8.self),
              let flags = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt16.self),
              let requestID = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt32.self)
        else { return nil }
        guard length <= Frame.maximumPayload else { throw MailWireError.oversized(length: length) }
        guard version == Frame.version else { throw MailWireError.unsupportedVersion(version) }
        guard let type = MessageType(rawValue: rawType) else { throw MailWireError.unknownType(rawType) }
        guard buffer.readableBytes >= Frame.headerSize + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Frame.headerSize)
        let payload = buffer.readSlice(length: Int(length))!
        return Frame(type: type, flags: flags, requestID: requestID, payload: payload)
    }

    /// - Throws: `MailWireError.truncated` when the stream ends inside a frame.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        if seenEOF && buffer.readableBytes > 0 { throw MailWireError.truncated }
        return nil
    }
}

/// Writes frames: header, then payload.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    public init() {}

    public func encode(data frame: Frame, out: inout ByteBuffer) throws {
        out.reserveCapacity(minimumWritableBytes: Frame.headerSize + frame.payload.readableBytes)
        frame.writeHeader(into: &out)
        var payload = frame.payload
        out.writeBuffer(&payload)
    }
}
