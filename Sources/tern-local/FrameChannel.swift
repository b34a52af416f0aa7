// MailWire frames over a blocking descriptor (tern-local's fd 3, a socket tern-deliverd
// holds the other end of). The same codec as the daemons', so the helper's answers are
// checked like any peer's.
import Glibc
import MailWire
import NIOCore

/// One MailWire conversation on a blocking socket.
final class FrameChannel {
    private let descriptor: CInt
    private var input = ByteBuffer()
    private var decoder = FrameDecoder()

    init(descriptor: CInt) { self.descriptor = descriptor }

    /// The next message and its request id; nil at EOF between frames.
    /// - Throws: `MailWireError` for bytes that are not MailWire, or errno as `ChannelFailure`.
    func receive() throws -> (Message, UInt32)? {
        while true {
            if let frame = try decoder.decode(buffer: &input) { return (try Message(frame: frame), frame.requestID) }
            var failure: CInt = 0
            let count = input.writeWithUnsafeMutableBytes(minimumWritableBytes: 65_536) { raw in
                while true {
                    let count = read(descriptor, raw.baseAddress, raw.count)
                    if count >= 0 { return count }
                    if errno != EINTR {
                        failure = errno
                        return 0
                    }
                }
            }
            if failure != 0 { throw ChannelFailure(errno: failure) }
            if count == 0 {
                if let frame = try decoder.decodeLast(buffer: &input, seenEOF: true) { return (try Message(frame: frame), frame.requestID) }
                return nil
            }
        }
    }

    /// Sends one message.
    func send(_ message: Message, requestID: UInt32) throws {
        var out = ByteBuffer()
        try FrameEncoder().encode(data: message.frame(requestID: requestID), out: &out)
        try out.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw ChannelFailure(errno: errno) }
                offset += written
            }
        }
    }
}

/// The socket to tern-deliverd failed.
struct ChannelFailure: Error { let errno: CInt }
