// The directory operations durable storage needs by path: fsync of a directory after a
// rename, removal, listing and directory creation (Directory does them relative to an
// open directory).
import Glibc

public enum FileSystem {
    /// fsync(2) on a directory, so a rename, link or unlink inside it survives a crash.
    public static func syncDirectory(_ path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw FileError("fsync", path) }
    }

    /// rename(2), replacing `to` atomically.
    public static func rename(_ from: String, to: String) throws(FileError) {
        guard Glibc.rename(from, to) == 0 else { throw FileError("rename", to) }
    }

    /// unlink(2); a missing file is not an error.
    public static func remove(_ path: String) throws(FileError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileError("unlink", path) }
    }

    /// Creates `path` and its missing parents with `mode`; existing directories are kept.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST { throw FileError("mkdir", prefix) }
        }
    }

    /// The names in a directory, without `.` and `..`.
    public static func names(in path: String) throws(FileError) -> [String] {
        try Directory(opening: path).names()
    }

    /// The status of `path` without following a final symbolic link; `nil` when the path
    /// does not exist.
    public static func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    /// Octets an unprivileged process may still write on the file system of `path`
    /// (statvfs(3) `f_bavail × f_frsize`); `nil` when statvfs fails.
    public static func availableSpace(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }
}
