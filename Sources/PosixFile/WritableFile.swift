// A file being written for durability: created exclusively, written completely, fsynced
// once, closed once. Every failed step is reported; none is retried on the same descriptor
// (after a failed fsync the page cache state is unknown, so the file is abandoned).
import CFileCalls
import Glibc

/// A newly created file open for writing; closed exactly once (by `close`, `abandon` or deinit).
public final class WritableFile {
    public let path: String
    private var descriptor: CInt
    /// Where it was created by name, for `abandon` (unlinkat instead of a path).
    private let parent: (directory: Directory, name: String)?

    /// Creates `path` with `O_CREAT|O_EXCL|O_NOFOLLOW`, so an existing file or a planted
    /// symbolic link is never written through.
    /// - Parameter mode: permission bits, e.g. `0o600`.
    /// - Throws: `FileError` from `open`.
    public init(creating path: String, mode: mode_t = 0o600) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError("open", path) }
        self.path = path
        self.descriptor = fd
        self.parent = nil
    }

    init(path: String, descriptor: CInt, directory: Directory, name: String) {
        self.path = path
        self.descriptor = descriptor
        self.parent = (directory, name)
    }

    /// Writes every byte, resuming after short writes and EINTR.
    /// - Throws: `FileError` from `write`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError("write", path)
            }
            offset += written
        }
    }

    /// Writes every byte of `bytes`.
    public func write(_ bytes: some Sequence<UInt8>) throws(FileError) {
        let array = Array(bytes)
        try array.withUnsafeBytes { raw in Result { () throws(FileError) in try write(raw) } }.get()
    }

    /// Starts writing the file's data back without waiting (sync_file_range(2) with
    /// `SYNC_FILE_RANGE_WRITE`): a hint, so that the writes of several files about to be
    /// fsynced one after another overlap. It makes nothing durable; its failure is left to
    /// `sync`, which reports it.
    public func startWriteback() {
        _ = sync_file_range(descriptor, 0, 0, UInt32(SYNC_FILE_RANGE_WRITE))
    }

    /// Flushes the file's data and metadata to stable storage (fsync(2)).
    public func sync() throws(FileError) {
        guard fsync(descriptor) == 0 else { throw FileError("fsync", path) }
    }

    /// Closes the descriptor; an error from close can mean lost data (NFS, quotas).
    public func close() throws(FileError) {
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw FileError("close", path) }
    }

    /// Closes and removes the file after a failure; errors are ignored, the caller already
    /// reports the first one.
    public func abandon() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
        if let (directory, name) = parent { try? directory.remove(name) } else { _ = unlink(path) }
    }

    deinit { if descriptor >= 0 { _ = Glibc.close(descriptor) } }
}
