// A DELIVER's content as tern-local reads it: the CHUNK frames that follow the request on
// fd 3, up to END, whose octet count must match (protocols/mailwire.md §DELIVER). A broken
// stream fails the delivery before anything reaches `new/`, and ends the helper.
import MailWire
import Maildir
import NIOCore

struct ChannelContent: MessageSource {
    let channel: BlockingFrameChannel
    private var received: UInt64 = 0
    private var ended = false
    /// The stream failed (EOF, a bad frame, a count that does not match): nothing more can
    /// be read from this channel.
    private(set) var failure: (any Error)?

    init(channel: BlockingFrameChannel) { self.channel = channel }

    mutating func next() throws -> ByteBuffer? {
        if let failure { throw failure }
        guard !ended else { return nil }
        do {
            switch try channel.receive()?.0 {
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
