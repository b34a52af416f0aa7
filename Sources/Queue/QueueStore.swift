// The durable queue directory (tern-mtad's state): committed messages in `queue/`, messages
// being received in `queue/incoming/`, files that fail validation in `queue/corrupt/`.
// Synchronous file I/O: callers run it off the event loops.
import MailCore
import NIOCore
import Glibc
import PosixFile

/// A message in the queue, as found on disk.
public struct StoredMessage: Sendable {
    public var header: QueueFile.Header
    /// Where the content starts in the file, in octets.
    public var contentOffset: Int
    /// Content octets.
    public var contentLength: UInt64
}

/// Files of the queue. Thread-safe: it holds only paths.
public struct QueueStore: Sendable {
    /// The queue directory, e.g. `/var/lib/tern/queue`.
    public let directory: String
    var incomingDirectory: String { directory + "/incoming" }
    var corruptDirectory: String { directory + "/corrupt" }

    /// Creates the directories and removes leftovers of receptions a crash interrupted
    /// (never confirmed to any client, so nothing is lost).
    /// - Throws: `FileError` when the directories cannot be made.
    public init(directory: String) throws(FileError) {
        self.directory = directory
        try FileSystem.makeDirectories(incomingDirectory, mode: 0o700)
        try FileSystem.makeDirectories(corruptDirectory, mode: 0o700)
        for name in try FileSystem.names(in: incomingDirectory) {
            try FileSystem.remove(incomingDirectory + "/" + name)
        }
    }

    func path(of id: QueueID) -> String { directory + "/" + id.rawValue }

    /// Starts writing a message under a temporary name.
    /// - Throws: `FileError` from creating or writing the file.
    public func create(_ header: QueueFile.Header) throws(FileError) -> IncomingMessage {
        let temporary = incomingDirectory + "/" + header.queueID.rawValue
        let file = try WritableFile(creating: temporary, mode: 0o600)
        let prefix = QueueFile.prefix(header)
        do {
            try file.write(prefix)
        } catch {
            file.abandon()
            throw error
        }
        return IncomingMessage(header: header, contentOffset: prefix.count, file: file,
                               finalPath: path(of: header.queueID), queueDirectory: directory)
    }

    /// Reads every committed message. Files that fail validation move to `corrupt/`.
    /// - Returns: the messages in queue-ID (arrival) order, and the names quarantined with why.
    public func scan() throws(FileError) -> (messages: [StoredMessage], quarantined: [(String, String)]) {
        var messages: [StoredMessage] = []
        var quarantined: [(String, String)] = []
        for name in try FileSystem.names(in: directory).sorted() {
            guard let id = QueueID(name) else { continue }
            do {
                messages.append(try load(id))
            } catch let error as QueueFile.FormatError {
                try FileSystem.rename(path(of: id), to: corruptDirectory + "/" + name)
                quarantined.append((name, "\(error)"))
            } catch let error as FileError {
                throw error
            } catch {
                quarantined.append((name, "\(error)"))
            }
        }
        return (messages, quarantined)
    }

    /// Reads and validates one queue file's header and end record.
    public func load(_ id: QueueID) throws -> StoredMessage {
        let file = try ReadableFile(opening: path(of: id))
        guard let status = FileSystem.status(path(of: id)) else { throw FileError("stat", path(of: id)) }
        let head = try file.readAll(limit: 1 << 20)
        let (header, offset) = try QueueFile.parseHeader(head)
        guard header.queueID == id else { throw QueueFile.FormatError.badHeader }
        var end = [UInt8](repeating: 0, count: QueueFile.endRecordSize)
        let endOffset = status.size >= UInt64(QueueFile.endRecordSize) ? status.size - UInt64(QueueFile.endRecordSize) : 0
        let count = try end.withUnsafeMutableBytes { raw in Result { () throws(FileError) in try file.read(into: raw, at: endOffset) } }.get()
        let length = try QueueFile.validateEnd(Array(end.prefix(count)), fileSize: status.size, contentOffset: offset)
        return StoredMessage(header: header, contentOffset: offset, contentLength: length)
    }

    /// Reads up to `length` octets of a message's content starting at content offset `from`.
    /// - Throws: `FileError` from open or pread, or EIO when the file is shorter than its
    ///   validated end record says (it was changed under the queue).
    public func readContent(of message: StoredMessage, from: UInt64, length: Int) throws(FileError) -> ByteBuffer {
        let path = path(of: message.header.queueID)
        let file = try ReadableFile(opening: path)
        let want = Int(min(UInt64(length), message.contentLength - min(from, message.contentLength)))
        var buffer = ByteBuffer()
        var failure: FileError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
            do {
                return try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)), at: UInt64(message.contentOffset) + from)
            } catch {
                failure = error as? FileError
                return 0
            }
        }
        if let failure { throw failure }
        guard buffer.readableBytes == want else { throw FileError("pread", path, errno: EIO) }
        return buffer
    }

    /// Removes a message whose every recipient is done.
    public func remove(_ id: QueueID) throws(FileError) {
        try FileSystem.remove(path(of: id))
    }
}
