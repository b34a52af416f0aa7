// The message of one DELIVER, spooled by tern-deliverd as it arrives, so each recipient's
// tern-local is sent it in CHUNK frames and a forward is queued from it. A message of up
// to `memoryLimit` octets stays in memory; a larger one moves to a file as it grows, so it
// never sits whole in memory. The file is unlinked at once (no name for anyone to find,
// nothing left after a crash).
import Glibc
import NIOCore
import PosixFile

/// One message's content. Used by one request at a time.
final class MessageSpool: @unchecked Sendable {
    /// Octets kept in memory before the content moves to a file: 128 KiB.
    static let memoryLimit: UInt64 = 131_072
    private let directory: String
    private var memory = ByteBuffer()
    /// The file, once the content outgrew `memoryLimit`; -1 before.
    private var descriptor: CInt = -1
    /// Octets appended so far.
    private(set) var length: UInt64 = 0
    /// The content is all in memory (at most `memoryLimit` octets).
    var isInMemory: Bool { descriptor < 0 }

    /// A spool whose file, when one is needed, goes in `directory` (created 0700 when missing).
    init(directory: String) { self.directory = directory }

    deinit { if descriptor >= 0 { _ = close(descriptor) } }

    /// Appends `content`; file I/O runs on `executor`.
    /// - Throws: `FileError`.
    func append(_ content: ByteBuffer, executor: BlockingExecutor) async throws {
        if descriptor < 0 && length + UInt64(content.readableBytes) <= Self.memoryLimit {
            memory.writeImmutableBuffer(content)
        } else {
            try await executor.run {
                if self.descriptor < 0 {
                    try self.openFile()
                    try self.write(self.memory, at: 0)
                    self.memory = ByteBuffer()
                }
                try self.write(content, at: self.length)
            }
        }
        length += UInt64(content.readableBytes)
    }

    /// Up to `count` octets at `offset`; empty at the end. Blocking once the content is in a file.
    func read(at offset: UInt64, count: Int) throws(FileError) -> ByteBuffer {
        guard descriptor >= 0 else {
            let start = Int(min(offset, length))
            return memory.getSlice(at: start, length: min(count, Int(length) - start)) ?? ByteBuffer()
        }
        var buffer = ByteBuffer()
        var failure: FileError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            while true {
                let got = pread(descriptor, raw.baseAddress, min(count, raw.count), off_t(offset))
                if got >= 0 { return got }
                if errno != EINTR {
                    failure = FileError("read", "the delivery spool")
                    return 0
                }
            }
        }
        if let failure { throw failure }
        return buffer
    }

    private func openFile() throws(FileError) {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let name = directory + "/tern-deliverd.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError("open", name) }
        unlink(name)
        descriptor = fd
    }

    private func write(_ content: ByteBuffer, at position: UInt64) throws(FileError) {
        var failure: FileError?
        content.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(position) + off_t(offset))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    failure = FileError("write", "the delivery spool")
                    return
                }
                offset += written
            }
        }
        if let failure { throw failure }
    }
}
