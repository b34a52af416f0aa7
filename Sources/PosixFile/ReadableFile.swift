// A file read sequentially in bounded pieces, so a large message never sits whole in memory.
import Glibc

/// An open file for reading, closed when released.
public final class ReadableFile {
    public let path: String
    private let descriptor: CInt

    /// Opens `path` without following a final symbolic link.
    /// - Throws: `FileError` from `open`.
    public init(opening path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path) }
        self.path = path
        self.descriptor = fd
    }

    /// Takes over an open descriptor (e.g. standard input); it is closed when released.
    public init(adopting descriptor: CInt, path: String) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw FileError("read", path) }
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file position
    /// (pread(2)); 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(FileError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno != EINTR { throw FileError("pread", path) }
        }
    }

    /// Reads the whole file; for small files (queue envelopes, headers).
    public func readAll(limit: Int) throws(FileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < limit {
            let count = try chunk.withUnsafeMutableBytes { raw in Result { () throws(FileError) in try read(into: raw) } }.get()
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    deinit { _ = close(descriptor) }
}
