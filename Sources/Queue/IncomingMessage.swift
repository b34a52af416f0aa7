// A message being received: content appended to the temporary file, then committed with
// the discipline of protocols/queue-format.md — end record, fsync, close, rename into the
// queue, fsync of the queue directory — and only then confirmed. Any failure removes the
// temporary file and is never followed by a confirmation.
import NIOCore
import PosixFile

/// One message under construction in `queue/incoming/`. Owned by the one connection that
/// receives it, which hands it to the blocking-I/O pool one call at a time.
public final class IncomingMessage: @unchecked Sendable {
    /// The header record written at the start of the file.
    public let header: QueueFile.Header
    private let contentOffset: Int
    private let file: WritableFile
    private let finalPath: String
    private let queueDirectory: String
    /// Content octets written so far.
    public private(set) var contentLength: UInt64 = 0

    init(header: QueueFile.Header, contentOffset: Int, file: WritableFile, finalPath: String, queueDirectory: String) {
        self.header = header
        self.contentOffset = contentOffset
        self.file = file
        self.finalPath = finalPath
        self.queueDirectory = queueDirectory
    }

    /// Appends content. On failure the temporary file is removed.
    /// - Throws: `FileError` from `write`.
    public func append(_ content: ByteBuffer) throws(FileError) {
        do {
            try content.withUnsafeReadableBytes { raw in Result { () throws(FileError) in try file.write(raw) } }.get()
            contentLength += UInt64(content.readableBytes)
        } catch {
            file.abandon()
            throw error
        }
    }

    /// Makes the message durable and visible in the queue.
    /// - Throws: `FileError` from write, fsync, close, rename or the directory fsync; the
    ///   message is then not in the queue.
    public func commit() throws(FileError) {
        do {
            try file.write(QueueFile.endRecord(contentLength: contentLength))
            try file.sync()
            try file.close()
        } catch {
            file.abandon()
            throw error
        }
        do {
            try FileSystem.rename(file.path, to: finalPath)
        } catch {
            try? FileSystem.remove(file.path)
            throw error
        }
        do {
            try FileSystem.syncDirectory(queueDirectory)
        } catch {
            // Not known to be durable, so not confirmed; without the file a retry by the
            // client cannot make a second copy.
            try? FileSystem.remove(finalPath)
            throw error
        }
    }

    /// The message as the queue knows it once committed.
    public var stored: StoredMessage {
        StoredMessage(header: header, contentOffset: contentOffset, contentLength: contentLength)
    }

    /// Drops the message: the client's transaction failed or was refused.
    public func abort() { file.abandon() }
}
