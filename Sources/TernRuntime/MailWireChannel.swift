// The pipeline of every MailWire connection: frame decoder and writer, wrapped for async use.
import MailWire
import NIOCore

/// A MailWire connection as an async channel of frames.
public typealias MailWireConnection = NIOAsyncChannel<Frame, Frame>

enum MailWireChannel {
    /// Installs the codec on a new channel (on its event loop).
    static func configure(_ channel: Channel) -> EventLoopFuture<MailWireConnection> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(FrameDecoder(), maximumBufferSize: Frame.headerSize + Frame.maximumPayload),
                FrameWriter(),
            ])
            return try MailWireConnection(wrappingChannelSynchronously: channel)
        }
    }
}
