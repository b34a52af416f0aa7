// Giving up root for good (setgroups, setgid, setuid, in that order, then a check that
// root cannot be regained). Only for single-threaded processes: on Linux setuid(2) changes
// the calling thread, and glibc's broadcast to other threads is not something to rely on.
import Glibc

public enum Privileges {
    /// Becomes `uid`:`gid` with no supplementary groups but `gid`.
    /// - Throws: `FileError` naming the call that failed; the process must then stop.
    public static func drop(toUser uid: uid_t, group gid: gid_t) throws(FileError) {
        var groups = [gid]
        guard setgroups(1, &groups) == 0 else { throw FileError("setgroups", "gid \(gid)") }
        guard setgid(gid) == 0 else { throw FileError("setgid", "gid \(gid)") }
        guard setuid(uid) == 0 else { throw FileError("setuid", "uid \(uid)") }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid else {
            throw FileError("setuid", "uid \(uid)", errno: EPERM)
        }
        // Regaining root must now be impossible (a saved set-user-ID of 0 would allow it).
        if uid != 0 && setuid(0) == 0 { throw FileError("setuid", "uid 0 still reachable", errno: EPERM) }
    }
}
