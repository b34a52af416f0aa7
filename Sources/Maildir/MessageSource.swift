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
        var buffer = ByteBuffer()
        var failure: FileError?
        let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 65_536) { raw in
            do { return try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(65_536)), at: offset) } catch {
                failure = error as? FileError
                return 0
            }
        }
        if let failure { throw failure }
        offset += UInt64(count)
        return count == 0 ? nil : buffer
    }
}
