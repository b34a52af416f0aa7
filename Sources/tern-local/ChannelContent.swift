// A DELIVER's content as tern-local reads it: the CHUNK frames that follow the request on
// fd 3, with its request id, up to END, whose octet count must match (protocols/mailwire.md
// §DELIVER). A broken stream fails the delivery before anything reaches `new/`, and ends
// the helper.
import MailWire
import Maildir
import NIOCore

struct ChannelContent: MessageSource {
    let channel: BlockingFrameChannel
    /// The DELIVER's id: a frame of another request here is a framing error.
    let requestID: UInt32
    private var received: UInt64 = 0
    private var ended = false
    /// The stream failed (EOF, a bad frame, a count that does not match): nothing more can
    /// be read from this channel.
    private(set) var failure: (any Error)?

    init(channel: BlockingFrameChannel, requestID: UInt32) {
        self.channel = channel
        self.requestID = requestID
    }

    mutating func next() throws -> ByteBuffer? {
        if let failure { throw failure }
        guard !ended else { return nil }
        do {
            let frame = try channel.receive()
            if let (message, id) = frame, id != requestID { throw MailWireError.unexpected(message.type) }
            switch frame?.0 {
            case .chunk(let piece)?:
                received += UInt64(piece.readableBytes)
                return piece
            case .end(let total)? where total == received:
                ended = true
                return nil
            case .end?:
                throw MailWireError.malformedPayload(.end)
            case let other?:
                throw MailWireError.unexpected(other.type)
            case nil:
                throw MailWireError.truncated
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Reads what the delivery left unread, up to END.
    /// - Throws: the stream's failure.
    mutating func finish() throws {
        while try next() != nil {}
    }
}
