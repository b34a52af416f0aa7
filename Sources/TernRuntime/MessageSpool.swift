// The message of one DELIVER, spooled by tern-deliverd as it arrives, so each recipient's
// tern-local reads it from its fd 0 (as qmail-local reads the queue file) and a forward is
// queued from it: it never sits whole in memory. The file is unlinked at once (no name
// for anyone to find, nothing left after a crash) and each helper gets a read-only
// descriptor of its own.
import Glibc
import NIOCore
import PosixFile

/// An unnamed temporary file holding one message. Used by one request.
final class MessageSpool: @unchecked Sendable {
    private let descriptor: CInt
    /// Octets written so far.
    private(set) var length: UInt64 = 0

    /// Creates the file in `directory` (created 0700 when missing).
    /// - Throws: `FileError`.
    init(directory: String) throws(FileError) {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let name = directory + "/tern-deliverd.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError("open", name) }
        unlink(name)
        descriptor = fd
    }

    deinit { _ = close(descriptor) }

    /// Appends `content`.
    func append(_ content: ByteBuffer) throws(FileError) {
        var failure: FileError?
        content.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(length) + off_t(offset))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    failure = FileError("write", "the delivery spool")
                    return
                }
                offset += written
            }
        }
        if let failure { throw failure }
        length += UInt64(content.readableBytes)
    }

    /// Up to `count` octets at `offset`; empty at the end.
    func read(at offset: UInt64, count: Int) throws(FileError) -> ByteBuffer {
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

    /// A new read-only descriptor of the file (its own offset), for a helper's fd 0; the
    /// caller closes it.
    func openReadOnly() throws(FileError) -> CInt {
        let fd = open("/proc/self/fd/\(descriptor)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", "/proc/self/fd/\(descriptor)") }
        return fd
    }
}
