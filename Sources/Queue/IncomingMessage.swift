// A message being received: content appended to the temporary file (and to its CRC-32),
// then committed with the discipline of protocols/queue-format.md — end record, fsync,
// close, rename into the queue, fsync of the queue directory — and only then confirmed.
// Any failure removes the file and is never followed by a confirmation or a second fsync.
// Content is held in memory up to `writeThreshold` octets between writes, and the file is
// created only by the first write: a small message reaches the disk in one write with its
// end record, just before the fsync, and one delivered before it was queued (tern-mtad's
// direct local delivery) never makes a file at all, nor its header record (encoding it
// cost 14 K instructions per message, callgrind).
import NIOCore
import PosixFile

/// One message under construction for `queue/incoming/`. Owned by the one connection that
/// receives it, which hands it to the blocking-I/O pool one call at a time.
public final class IncomingMessage: @unchecked Sendable {
    /// The header record written at the start of the file.
    public let header: QueueFile.Header
    /// The file, once the first write made it.
    private var file: WritableFile?
    private let incomingPath: String
    private let finalPath: String
    /// CRC-32 of the octets written so far and of the first `countedInHeld` held ones,
    /// from the first write on: held content is added only when it is written, so a
    /// message delivered before it was queued is never checksummed.
    private var checksum = CRC32()
    private var countedInHeld = 0
    /// The magic and header record, made when first needed (the file, or `stored`).
    private lazy var prefix: [UInt8] = QueueFile.prefix(header)
    /// The CRC-32 of `prefix`.
    private lazy var prefixDigest: CRC32 = {
        var digest = CRC32()
        digest.update(prefix)
        return digest
    }()
    /// Content octets taken so far (written, or held to be written).
    public private(set) var contentLength: UInt64 = 0
    /// Octets taken but not written yet: until the first write only content, from then on
    /// (the header records go first) whatever follows what was written.
    private var held = ByteBuffer()
    /// Octets held in memory before a write: 256 KiB, so a message of that size or less
    /// can be delivered before it is queued without ever touching the disk.
    public static let writeThreshold = 262_144

    init(header: QueueFile.Header, incomingPath: String, finalPath: String) {
        self.header = header
        self.incomingPath = incomingPath
        self.finalPath = finalPath
    }

    /// The whole content while none of it has been written (at most `writeThreshold`
    /// octets); nil once a write made the file.
    public var contentInMemory: ByteBuffer? { file == nil ? held : nil }

    /// Appends content, writing it once enough is held. On failure the temporary file is removed.
    /// - Throws: `FileError` from `write`.
    public func append(_ content: ByteBuffer) throws(FileError) {
        if hold(content) { try writeHeld() }
    }

    /// Takes content into memory without blocking.
    /// - Returns: true when `writeThreshold` octets or more are held: call `writeHeld()`
    ///   (blocking) before taking more.
    public func hold(_ content: ByteBuffer) -> Bool {
        var content = content
        contentLength += UInt64(content.readableBytes)
        held.writeBuffer(&content)
        return held.readableBytes >= Self.writeThreshold
    }

    /// Writes the octets held in memory, creating the file in `incoming/` on the first
    /// write. On failure the temporary file is removed.
    /// - Throws: `FileError` from `open` or `write`.
    public func writeHeld() throws(FileError) { _ = try flush() }

    private func flush() throws(FileError) -> WritableFile {
        let file: WritableFile
        if let existing = self.file {
            file = existing
        } else {
            file = try startFile()
        }
        countHeld()
        do {
            try held.withUnsafeReadableBytes { raw in Result { () throws(FileError) in try file.write(raw) } }.get()
            held.clear()
            countedInHeld = 0
        } catch {
            file.abandon()
            throw error
        }
        return file
    }

    /// Writes the end record, fsyncs, closes and renames the file into the queue. The
    /// rename is durable only after the queue directory's fsync (`QueueStore.commit`).
    /// - Throws: `FileError`; the file is then removed.
    func seal() throws(FileError) {
        if file == nil { _ = try startFile() }
        countHeld()
        held.writeBytes(QueueFile.endRecord(contentLength: contentLength, checksum: checksum.value))
        countedInHeld = held.readableBytes
        let file = try flush()
        do {
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
    }

    /// Removes the renamed file when the directory fsync failed: not known durable, so not
    /// confirmed, and without the file a retry by the client cannot make a second copy.
    func withdraw() { try? FileSystem.remove(finalPath) }

    /// The message as the queue knows it once committed.
    public var stored: StoredMessage {
        StoredMessage(header: header, contentOffset: prefix.count, contentLength: contentLength, checksum: checksum.value,
                      prefixDigest: prefixDigest)
    }

    /// Creates the file and puts the magic and header record before the held content; the
    /// checksum starts with them.
    private func startFile() throws(FileError) -> WritableFile {
        let file = try WritableFile(creating: incomingPath, mode: 0o600)
        self.file = file
        var content = held
        held = ByteBuffer(bytes: prefix)
        held.writeBuffer(&content)
        checksum = prefixDigest
        countedInHeld = prefix.count
        return file
    }

    /// Adds the held octets not counted yet to the checksum.
    private func countHeld() {
        guard let uncounted = held.getSlice(at: held.readerIndex + countedInHeld, length: held.readableBytes - countedInHeld) else { return }
        uncounted.withUnsafeReadableBytes { checksum.update($0) }
        countedInHeld = held.readableBytes
    }

    /// Drops the message: the client's transaction failed or was refused, or the message
    /// was delivered before it was queued.
    public func abort() { file?.abandon() }
}
