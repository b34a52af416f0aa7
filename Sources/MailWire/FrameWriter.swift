// Writes frames into a NIO channel without copying large payloads: the 12-octet header
// goes as a buffer of its own and the payload follows as it is, so NIO hands both to one
// writev(2). A CHUNK's content thus goes from the buffer it was received or held in
// straight to the socket. Small frames are still joined into one buffer.
import NIOCore

/// The outbound half of a MailWire channel: `Frame`s in, bytes out
/// (protocols/mailwire.md §Frame).
public final class FrameWriter: ChannelOutboundHandler, Sendable {
    public typealias OutboundIn = Frame
    public typealias OutboundOut = ByteBuffer

    public init() {}

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        var payload = frame.payload
        let separate = payload.readableBytes >= Frame.separatePayload
        var out = context.channel.allocator.buffer(capacity: Frame.headerSize + (separate ? 0 : payload.readableBytes))
        frame.writeHeader(into: &out)
        if separate {
            context.write(wrapOutboundOut(out), promise: nil)
            context.write(wrapOutboundOut(payload), promise: promise)
        } else {
            out.writeBuffer(&payload)
            context.write(wrapOutboundOut(out), promise: promise)
        }
    }
}
