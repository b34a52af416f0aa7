// Login names of uids, from the system's user database (getpwuid_r(3)).
import Glibc

public enum UserAccounts {
    /// The login name of `uid`, nil when it has none.
    public static func name(uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.pw_name)
    }
}
