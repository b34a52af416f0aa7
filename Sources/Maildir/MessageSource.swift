// Where a delivered message's content comes from: pieces in order (the message as queued,
// CRLF line ends), from a file (tests, benchmarks) or from CHUNK frames (tern-local).
import NIOCore
import PosixFile

/// The content of one message, read once, piece by piece.
public protocol MessageSource {
    /// The next piece; nil at the end.
    /// - Throws: when the content cannot be read; the delivery then fails (451 4.3.0).
    mutating func next() throws -> ByteBuffer?
}

/// A message read from a file in pieces of at most 64 KiB.
public struct FileSource: MessageSource {
    let file: ReadableFile
    var offset: UInt64 = 0

    /// Reads `file` from its start.
    public init(_ file: ReadableFile) { self.file = file }

    public mutating func next() throws -> ByteBuffer? {
        let piece = try file.read(at: offset, upTo: 65_536)
        offset += UInt64(piece.readableBytes)
        return piece.readableBytes == 0 ? nil : piece
    }
}
