// The directory operations durable storage needs by path: fsync of a directory after a
// rename, removal, listing and directory creation (Directory does them relative to an
// open directory).
import CFileCalls
import Glibc

public enum FileSystem {
    /// `path` up to its last `/`: `.` for a bare name, `/` for a name in the root (unlike
    /// dirname(1), trailing and repeated slashes are not treated specially).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

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

    /// Whether `path` is on a network, cluster or user-space file system (NFS, SMB/CIFS,
    /// Ceph, 9P, AFS, Coda, NCP, OCFS2, GFS2, FUSE: statfs(2) `f_type`, close to the list
    /// of systemd's `is_network_fs`, plus FUSE, whose server is a process that can hang),
    /// where even a metadata call such as statvfs can wait for a server or a lock manager;
    /// `true` when statfs fails, the cautious answer.
    public static func isRemote(_ path: String) -> Bool {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return true }
        return remoteTypes.contains(Int64(info.f_type) & 0xFFFF_FFFF)
    }

    /// linux/magic.h: CIFS, SMB2, SMB, NFS, Ceph, 9P, AFS and kAFS, Coda, NCP, OCFS2, GFS2,
    /// FUSE.
    private static let remoteTypes: Set<Int64> = [
        0xFF53_4D42, 0xFE53_4D42, 0x517B, 0x6969, 0x00C3_6400, 0x0102_1997, 0x5346_414F, 0x6B41_4653,
        0x7375_7245, 0x564C, 0x7461_636F, 0x0116_1970, 0x6573_5546,
    ]
}
