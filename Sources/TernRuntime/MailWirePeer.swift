// One end of a MailWire connection after the handshake: typed send and receive, reading
// frames from the connection's inbox and writing them into its channel (`ChannelWrites`).
// Used by one task at a time.
import MailCore
import MailWire
import NIOCore

/// A MailWire connection's reader and writer.
public final class MailWirePeer {
    private let inbox: ChannelInbox<Frame>
    private let channel: Channel
    private var lastRequestID: UInt32 = 0
    /// A client's request is started and has no final answer yet.
    private(set) var requestOpen = false
    /// A frame of the server's answer arrived since the request started.
    private(set) var answerStarted = false
    /// COMMIT or END was sent: from there on the server completes the work even when the
    /// connection is lost (protocols/mailwire.md §Closing), so the request is never replayed.
    private(set) var committed = false

    /// - Parameter connection: a MailWire pipeline, read through its inbox and written directly.
    init(_ connection: MailWireConnection) {
        inbox = connection.inbox
        channel = connection.channel
    }

    /// A fresh request id for a client's next request (HELLO is 0).
    public func nextRequestID() -> UInt32 {
        lastRequestID &+= 1
        requestOpen = true
        answerStarted = false
        committed = false
        return lastRequestID
    }

    /// Sends one message.
    public func send(_ message: Message, requestID: UInt32) async throws {
        try await send([message], requestID: requestID)
    }

    /// Sends several messages with one flush, so small ones leave in one write(2) and the
    /// peer reads them in one wake-up. Returns when they are in the socket buffer.
    /// - Throws: `ChannelError` or the I/O error when the connection is closed or broken.
    public func send(_ messages: [Message], requestID: UInt32) async throws {
        if messages.contains(where: { if case .commit = $0 { true } else if case .end = $0 { true } else { false } }) { committed = true }
        try await ChannelWrites.writeAndFlush(messages.map { $0.frame(requestID: requestID) }, to: channel)
    }

    /// The next message, `nil` at the end of the connection.
    /// - Throws: `MailWireError` for bytes that are not MailWire v1.
    public func receive() async throws -> (message: Message, requestID: UInt32)? {
        guard let frame = try await inbox.next() else { return nil }
        let message = try Message(frame: frame)
        answerStarted = true
        if message.isFinalAnswer { requestOpen = false }
        return (message, frame.requestID)
    }

    /// The next message, which must exist: end of connection is an error.
    public func expect() async throws -> (message: Message, requestID: UInt32) {
        guard let received = try await receive() else { throw MailWireClosed() }
        return received
    }
}

/// The peer closed the connection before the final answer of a request.
public struct MailWireClosed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the MailWire peer closed the connection" }
}
