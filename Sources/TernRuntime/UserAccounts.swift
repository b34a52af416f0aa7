// The system's user database (getpwuid_r(3), getpwnam_r(3)): login names of uids, and the
// accounts local mail is delivered to.
import Glibc

public enum UserAccounts {
    /// A system account.
    public struct Account: Sendable, Equatable {
        /// The login name.
        public var name: String
        public var uid: uid_t
        /// The primary group.
        public var gid: gid_t
        /// The home directory.
        public var home: String
    }

    /// The login name of `uid`, nil when it has none.
    public static func name(uid: uid_t) -> String? {
        lookup { getpwuid_r(uid, $0, $1, $2, $3) }?.name
    }

    /// The account called `name` (exactly; login names are case-sensitive), nil when there
    /// is none or the lookup fails.
    public static func account(named name: String) -> Account? {
        guard !name.isEmpty, !name.utf8.contains(0) else { return nil }
        return lookup { getpwnam_r(name, $0, $1, $2, $3) }
    }

    private typealias Call = (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
                              UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> CInt

    private static func lookup(_ call: Call) -> Account? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, $0.count, &result) }
        guard status == 0, result != nil else { return nil }
        return Account(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid, home: String(cString: entry.pw_dir))
    }
}
