// A failed system call on a file, with the errno that explains it. Callers decide what
// it means for mail (usually 451 4.3.0, a temporary failure).
import Glibc

/// One failed file-system call.
public struct FileError: Error, Equatable, CustomStringConvertible {
    /// The call, e.g. `"fsync"`.
    public let operation: String
    /// The path it concerned.
    public let path: String
    /// The positive errno value.
    public let errno: CInt

    public init(_ operation: String, _ path: String, errno: CInt = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }

    /// True when the file system is out of space or inodes (ENOSPC, EDQUOT).
    public var isOutOfSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}
