// A piece of a file read straight into a NIO buffer: queued content for delivery and relay,
// a message file for the Maildir writer's tests and benchmark.
import NIOCore

extension ReadableFile {
    /// Up to `count` octets at `offset` with one pread(2), without moving the file
    /// position; fewer at the end of the file, none past it.
    /// - Throws: `FileError` from pread.
    public func read(at offset: UInt64, upTo count: Int) throws(FileError) -> ByteBuffer {
        var buffer = ByteBuffer()
        var failure: FileError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            do {
                return try read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(count)), at: offset)
            } catch {
                failure = error as? FileError
                return 0
            }
        }
        if let failure { throw failure }
        return buffer
    }
}
