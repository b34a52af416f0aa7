// An open directory and the *at(2) calls relative to it. Every name is one path component
// opened without following a symbolic link (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so a link
// planted inside a mailbox cannot redirect a read or a write elsewhere.
import Glibc

/// An open directory, closed when released.
public final class Directory {
    /// The path it was opened by, for messages.
    public let path: String
    let descriptor: CInt

    /// Opens `path`, following symbolic links in it (the part an administrator controls).
    /// - Throws: `FileError` from `open`.
    public init(opening path: String) throws(FileError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path) }
        self.path = path
        self.descriptor = fd
    }

    private init(path: String, descriptor: CInt) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { _ = close(descriptor) }

    /// Opens the subdirectory `name`, never through a symbolic link (ELOOP or ENOTDIR then).
    /// - Parameter mode: when given, a missing subdirectory is created with these bits.
    /// - Throws: `FileError` from `openat` or `mkdirat`.
    public func subdirectory(_ name: String, creatingWith mode: mode_t? = nil) throws(FileError) -> Directory {
        let child = path + "/" + name
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var fd = openat(descriptor, name, flags)
        if fd < 0 && errno == ENOENT, let mode {
            guard mkdirat(descriptor, name, mode) == 0 || errno == EEXIST else { throw FileError("mkdir", child) }
            fd = openat(descriptor, name, flags)
        }
        guard fd >= 0 else { throw FileError("open", child) }
        return Directory(path: child, descriptor: fd)
    }

    /// Creates the file `name` with `O_CREAT|O_EXCL|O_NOFOLLOW`.
    /// - Throws: `FileError` from `openat` (EEXIST when it exists, even as a link).
    public func createFile(_ name: String, mode: mode_t = 0o600) throws(FileError) -> WritableFile {
        let fd = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError("open", path + "/" + name) }
        return WritableFile(path: path + "/" + name, descriptor: fd, directory: self, name: name)
    }

    /// Opens the regular file `name` for reading, never through a symbolic link.
    /// - Throws: `FileError` from `openat`.
    public func openFile(_ name: String) throws(FileError) -> ReadableFile {
        let fd = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path + "/" + name) }
        return ReadableFile(adopting: fd, path: path + "/" + name)
    }

    /// Places `name` at `target/newName` with linkat(2), which never replaces a file.
    /// - Returns: false when `newName` already exists there (EEXIST).
    public func link(_ name: String, into target: Directory, as newName: String) throws(FileError) -> Bool {
        if linkat(descriptor, name, target.descriptor, newName, 0) == 0 { return true }
        if errno == EEXIST { return false }
        throw FileError("link", target.path + "/" + newName)
    }

    /// renameat(2) of `name` to `target/newName`, replacing it atomically.
    public func rename(_ name: String, into target: Directory, as newName: String) throws(FileError) {
        guard renameat(descriptor, name, target.descriptor, newName) == 0 else { throw FileError("rename", target.path + "/" + newName) }
    }

    /// unlinkat(2) of the file `name`; a missing file is not an error.
    public func remove(_ name: String) throws(FileError) {
        guard unlinkat(descriptor, name, 0) == 0 || errno == ENOENT else { throw FileError("unlink", path + "/" + name) }
    }

    /// The names in this directory, without `.` and `..`.
    public func names() throws(FileError) -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { _ = close(copy) }
            throw FileError("opendir", path)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The status of `name` (a link is described, not followed), nil when it does not exist.
    public func status(of name: String) -> FileStatus? {
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return FileStatus(info)
    }

    /// The status of this directory itself.
    public func status() throws(FileError) -> FileStatus {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError("stat", path) }
        return FileStatus(info)
    }

    /// Gives this directory to `owner`:`group` (fchown(2)).
    public func changeOwner(to owner: uid_t, group: gid_t) throws(FileError) {
        guard fchown(descriptor, owner, group) == 0 else { throw FileError("chown", path) }
    }

    /// fsync(2) of the directory, so a link, rename or unlink inside it survives a crash.
    public func sync() throws(FileError) {
        guard fsync(descriptor) == 0 else { throw FileError("fsync", path) }
    }
}

/// What lstat(2) says about a file.
public struct FileStatus: Sendable, Equatable {
    /// Octets.
    public var size: UInt64
    /// Modification time, Unix seconds.
    public var modified: Int64
    /// The owner's uid.
    public var owner: UInt32
    /// A regular file (not a link, directory, FIFO or device).
    public var isRegularFile: Bool

    init(_ info: stat) {
        size = UInt64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec)
        owner = info.st_uid
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
    }
}
