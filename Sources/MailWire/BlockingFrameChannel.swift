// MailWire frames over a blocking stream socket: tern-local's fd 3, and tern-deliverd's
// end of the same socketpair (protocols/tern-local.md). The same codec as the daemons'
// NIO channels, so frames are checked the same way on both sides.
import Glibc
import NIOCore

/// One MailWire conversation on a blocking socket. Not thread-safe: one thread at a time.
public final class BlockingFrameChannel {
    /// The socket.
    public let descriptor: CInt
    private var input = ByteBuffer()
    private var decoder = FrameDecoder()
    /// The least free room in `input` offered to each read(2).
    private static let readRoom = 65_536
    /// Decoded octets are dropped once this many lie behind the reader index (or at once
    /// when nothing is left to decode): a 64 KiB CHUNK rarely ends where a read does, so
    /// dropping them before every read would move nearly every frame once more.
    private static let compactAfter = 1_048_576
    /// The most iovecs one writev(2) takes (IOV_MAX).
    private static let vectorLimit = Int(sysconf(CInt(_SC_IOV_MAX)))

    /// Uses `descriptor` (not closed by this object).
    public init(descriptor: CInt) { self.descriptor = descriptor }

    /// Bounds every later read and write on the socket (SO_RCVTIMEO, SO_SNDTIMEO): past
    /// `seconds` without progress, `receive` and `send` throw `ChannelFailure` (EAGAIN).
    public func limitWaits(toSeconds seconds: Int) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            _ = setsockopt(descriptor, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// The next message and its request id; nil at EOF between frames.
    /// - Throws: `MailWireError` for bytes that are not MailWire, `ChannelFailure` for a
    ///   failed read (errno; EAGAIN after the `limitWaits` time).
    public func receive() throws -> (Message, UInt32)? {
        while true {
            if let frame = try decoder.decode(buffer: &input) { return (try Message(frame: frame), frame.requestID) }
            // Decoded frames leave their octets behind the reader index: drop them before the
            // buffer grows, or it holds everything the conversation ever carried.
            if input.readableBytes == 0 || input.readerIndex >= Self.compactAfter { input.discardReadBytes() }
            var failure: CInt = 0
            let count = input.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.readRoom) { raw in
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

    /// True when more input is already here: bytes read but not yet returned, or the socket
    /// readable at once (poll(2) with no wait; the end of the stream counts as input).
    public var hasInputWaiting: Bool {
        if input.readableBytes > 0 { return true }
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&waiting, 1, 0) > 0
    }

    /// Sends one message.
    /// - Throws: `MailWireError` when it cannot be encoded, `ChannelFailure` for a failed write.
    public func send(_ message: Message, requestID: UInt32) throws {
        try send([message], requestID: requestID)
    }

    /// Sends messages of one request in one write (the peer is woken once for all of them).
    /// - Throws: `MailWireError` when one cannot be encoded (nothing is sent then),
    ///   `ChannelFailure` for a failed write.
    public func send(_ messages: [Message], requestID: UInt32) throws {
        try send(messages.map { ($0, requestID) })
    }

    /// Sends messages of several requests, each with its request id, in one writev(2)
    /// (more when they need over IOV_MAX pieces). Headers and small payloads are joined
    /// into buffers; payloads of `Frame.separatePayload` octets or more go from their own
    /// buffers, uncopied.
    /// - Throws: `MailWireError` when one cannot be encoded (nothing is sent then),
    ///   `ChannelFailure` for a failed write.
    public func send(_ messages: [(message: Message, requestID: UInt32)]) throws {
        var pieces: [ByteBuffer] = []
        var joined = ByteBuffer()
        for (message, requestID) in messages {
            let frame = message.frame(requestID: requestID)
            guard frame.payload.readableBytes >= Frame.separatePayload else {
                try FrameEncoder().encode(data: frame, out: &joined)
                continue
            }
            frame.writeHeader(into: &joined)
            pieces += [joined, frame.payload]
            joined = ByteBuffer()
        }
        if joined.readableBytes > 0 { pieces.append(joined) }
        try write(pieces[...], gathered: [])
    }

    /// Writes `pieces` after the octets `gathered` points to, all in order: one iovec per
    /// piece, each valid while its buffer's closure runs.
    private func write(_ pieces: ArraySlice<ByteBuffer>, gathered: [iovec]) throws {
        guard let first = pieces.first else { return try writeAll(gathered[...]) }
        try first.withUnsafeReadableBytes { raw in
            try write(pieces.dropFirst(), gathered: gathered + [iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count)])
        }
    }

    private func writeAll(_ vectors: ArraySlice<iovec>) throws {
        var vectors = vectors
        while vectors.contains(where: { $0.iov_len > 0 }) {
            let written = vectors.withUnsafeBufferPointer { writev(descriptor, $0.baseAddress, CInt(min($0.count, Self.vectorLimit))) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw ChannelFailure(errno: errno) }
            var left = written
            while let first = vectors.first, left >= first.iov_len {
                left -= first.iov_len
                vectors = vectors.dropFirst()
            }
            if left > 0 {
                vectors[vectors.startIndex].iov_base += left
                vectors[vectors.startIndex].iov_len -= left
            }
        }
    }
}

/// A read or write on a `BlockingFrameChannel` failed.
public struct ChannelFailure: Error, CustomStringConvertible {
    /// The errno of the failed call.
    public let errno: CInt
    /// strerror(3)'s text, or for EAGAIN (which this blocking socket returns only once a
    /// `limitWaits` time passed without progress) that the time limit ran out.
    public var description: String {
        errno == EAGAIN ? "socket: no progress within the time limit" : "socket: \(String(cString: strerror(errno)))"
    }
}
