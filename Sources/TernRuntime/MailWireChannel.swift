// The pipeline of every MailWire connection: frame decoder and writer, and the inbox its
// task reads the frames from.
import MailWire
import NIOCore

/// A MailWire connection: its channel (frames are written into it) and the frames read.
public final class MailWireConnection: Sendable {
    /// The connection's channel: `Frame`s written into it are encoded by `FrameWriter`.
    public let channel: any Channel
    /// The frames read, decoded by `FrameDecoder`.
    let inbox: ChannelInbox<Frame>

    init(channel: any Channel, inbox: ChannelInbox<Frame>) {
        self.channel = channel
        self.inbox = inbox
    }
}

enum MailWireChannel {
    /// Installs the codec on a new channel (on its event loop).
    static func configure(_ channel: Channel) -> EventLoopFuture<MailWireConnection> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(FrameDecoder(), maximumBufferSize: Frame.headerSize + Frame.maximumPayload),
                FrameWriter(),
            ])
            return MailWireConnection(channel: channel, inbox: try .installed(on: channel))
        }
    }
}
