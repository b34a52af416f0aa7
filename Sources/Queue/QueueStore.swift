// The durable queue directory (tern-mtad's state, protocols/queue-format.md): committed
// messages in `queue/`, their changing state in `queue/state/`, messages being received in
// `queue/incoming/`, files that fail validation in `queue/corrupt/`. Synchronous file I/O:
// callers run it through a `BlockingRunner`, except `commit`, which does so itself.
import Glibc
import MailCore
import NIOCore
import PosixFile

/// Files of the queue. Thread-safe: it holds only paths and the group-commit actor.
public struct QueueStore: Sendable {
    /// The queue directory, e.g. `/var/lib/tern/queue`.
    public let directory: String
    var incomingDirectory: String { directory + "/incoming" }
    var stateDirectory: String { directory + "/state" }
    var corruptDirectory: String { directory + "/corrupt" }
    private let runner: any BlockingRunner
    private let directorySync: GroupCommit

    /// Creates the directories and removes leftovers of receptions a crash interrupted
    /// (never confirmed to any client, so nothing is lost).
    /// - Parameters:
    ///   - runner: where `commit` runs its blocking steps.
    ///   - groupCommit: share directory fsyncs among concurrent commits (default).
    /// - Throws: `FileError` when the directories cannot be made.
    public init(directory: String, runner: any BlockingRunner, groupCommit: Bool = true) throws(FileError) {
        self.directory = directory
        self.runner = runner
        directorySync = GroupCommit(enabled: groupCommit) { [directory] in
            try await runner.run { try FileSystem.syncDirectory(directory) }
        }
        for path in [incomingDirectory, stateDirectory, corruptDirectory] { try FileSystem.makeDirectories(path, mode: 0o700) }
        for name in try FileSystem.names(in: incomingDirectory) {
            try FileSystem.remove(incomingDirectory + "/" + name)
        }
        for name in try FileSystem.names(in: stateDirectory) where QueueID(name) == nil {
            try FileSystem.remove(stateDirectory + "/" + name)
        }
    }

    func path(of id: QueueID) -> String { directory + "/" + id.rawValue }
    func statePath(of id: QueueID) -> String { stateDirectory + "/" + id.rawValue }

    /// Starts a message; its file in `incoming/` is made by its first write.
    public func create(_ header: QueueFile.Header) -> IncomingMessage {
        IncomingMessage(header: header, incomingPath: incomingDirectory + "/" + header.queueID.rawValue,
                        finalPath: path(of: header.queueID))
    }

    /// Makes a received message durable: seal and rename (blocking, on the runner), then the
    /// shared directory fsync. Returns only when the message survives a crash.
    /// - Throws: the first failure; the message is then not in the queue.
    public func commit(_ incoming: IncomingMessage) async throws {
        try await runner.run { try incoming.seal() }
        do {
            try await directorySync.sync()
        } catch {
            _ = try? await runner.run { incoming.withdraw() }
            throw error
        }
    }

    /// Reads and validates one queue file: magic, records, end record and file size; with
    /// `checksum`, also reads the whole file and compares its CRC-32.
    /// - Throws: `QueueFile.FormatError` for a file that cannot be trusted, `FileError`
    ///   when it cannot be read.
    public func load(_ id: QueueID, checksum: Bool) throws -> StoredMessage {
        let path = path(of: id)
        let file = try ReadableFile(opening: path)
        guard let status = FileSystem.status(path) else { throw FileError("stat", path) }
        let head = try file.readAll(limit: 1 << 20)
        let (header, offset) = try QueueFile.parseHeader(head)
        guard header.queueID == id else { throw QueueFile.FormatError.badHeader }
        var end = [UInt8](repeating: 0, count: QueueFile.endRecordSize)
        let endOffset = status.size >= UInt64(QueueFile.endRecordSize) ? status.size - UInt64(QueueFile.endRecordSize) : 0
        let count = try end.withUnsafeMutableBytes { raw in Result { () throws(FileError) in try file.read(into: raw, at: endOffset) } }.get()
        let (length, sum) = try QueueFile.validateEnd(Array(end.prefix(count)), fileSize: status.size, contentOffset: offset)
        if checksum, try Self.checksum(of: file, length: endOffset) != sum { throw QueueFile.FormatError.checksumMismatch }
        var prefixDigest = CRC32()
        prefixDigest.update(head.prefix(offset))
        return StoredMessage(header: header, contentOffset: offset, contentLength: length, checksum: sum, prefixDigest: prefixDigest)
    }

    private static func checksum(of file: ReadableFile, length: UInt64) throws(FileError) -> UInt32 {
        var crc = CRC32()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var offset: UInt64 = 0
        while offset < length {
            let want = Int(min(UInt64(buffer.count), length - offset))
            let count = try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(FileError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(want)), at: offset) }
            }.get()
            guard count > 0 else { throw FileError("pread", file.path, errno: EIO) }
            buffer.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            offset += UInt64(count)
        }
        return crc.value
    }

    /// Reads up to `length` octets of a message's content starting at content offset `from`.
    /// - Throws: `FileError` from open or pread, or EIO when the file is shorter than its
    ///   validated end record says (it was changed under the queue).
    public func readContent(of message: StoredMessage, from: UInt64, length: Int) throws(FileError) -> ByteBuffer {
        let path = path(of: message.header.queueID)
        let file = try ReadableFile(opening: path)
        let want = Int(min(UInt64(length), message.contentLength - min(from, message.contentLength)))
        let buffer = try file.read(at: UInt64(message.contentOffset) + from, upTo: want)
        guard buffer.readableBytes == want else { throw FileError("pread", path, errno: EIO) }
        return buffer
    }

    /// A message's saved state, `nil` when none was saved yet.
    /// - Throws: `QueueFile.FormatError` for a damaged state file, `FileError` when it
    ///   cannot be read.
    public func loadState(of message: StoredMessage) throws -> MessageState? {
        let path = statePath(of: message.header.queueID)
        guard FileSystem.status(path) != nil else { return nil }
        let bytes = try ReadableFile(opening: path).readAll(limit: 16 << 20)
        return try StateFile.decode(bytes, recipientCount: message.header.envelope.recipients.count)
    }

    /// Replaces a message's state atomically: temporary file, fsync, close, rename, fsync
    /// of `state/`.
    /// - Throws: `FileError`; the previous state file is then unchanged.
    public func saveState(_ state: MessageState, of id: QueueID) throws(FileError) {
        let temporary = incomingDirectory + "/" + id.rawValue + ".state"
        try FileSystem.remove(temporary)
        let file = try WritableFile(creating: temporary, mode: 0o600)
        do {
            try file.write(StateFile.encode(state))
            try file.sync()
            try file.close()
            try FileSystem.rename(temporary, to: statePath(of: id))
        } catch {
            file.abandon()
            throw error
        }
        try FileSystem.syncDirectory(stateDirectory)
    }

    /// Removes a message whose every recipient is done: the queue file first, so a crash
    /// in between leaves only a state file, which the next scan removes.
    public func remove(_ id: QueueID) throws(FileError) {
        try FileSystem.remove(path(of: id))
        try FileSystem.remove(statePath(of: id))
    }

    /// Moves a queue file (and its state) that failed validation to `corrupt/`.
    public func quarantine(_ id: QueueID) throws(FileError) {
        try FileSystem.rename(path(of: id), to: corruptDirectory + "/" + id.rawValue)
        if FileSystem.status(statePath(of: id)) != nil {
            try FileSystem.rename(statePath(of: id), to: corruptDirectory + "/" + id.rawValue + ".state")
        }
    }

    /// The names of committed queue files, in queue-ID (arrival) order.
    public func queueIDs() throws(FileError) -> [QueueID] {
        try FileSystem.names(in: directory).compactMap { QueueID($0) }.sorted()
    }

    /// The names in `corrupt/`.
    public func quarantined() throws(FileError) -> [String] {
        try FileSystem.names(in: corruptDirectory).sorted()
    }

    /// Removes state files whose queue file is gone (a crash between the two unlinks).
    public func removeOrphanStates() throws(FileError) {
        let ids = Set(try queueIDs())
        for name in try FileSystem.names(in: stateDirectory) {
            if let id = QueueID(name), !ids.contains(id) { try FileSystem.remove(stateDirectory + "/" + name) }
        }
    }
}
