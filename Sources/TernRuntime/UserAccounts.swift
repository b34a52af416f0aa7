// The system's user database (getpwuid_r(3), getpwnam_r(3)): login names of uids, and the
// accounts local mail is delivered to. An account looked up by name is remembered for a
// few seconds, as nscd does, so a busy mailbox does not read the database per message.
// On an event loop a lookup answers only from what is remembered (`fromMemoryOnly`).
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
        answer { getpwuid_r(uid, $0, $1, $2, $3) }.account?.name
    }

    /// The account called `name` (exactly; login names are case-sensitive), nil when there
    /// is none or the lookup fails. An answer is reused for `remembered` (5 s): an account
    /// added, changed or removed is seen at most that much later. Inside `fromMemoryOnly`, a
    /// name not remembered gives nil without asking the database.
    public static func account(named name: String) -> Account? {
        guard !name.isEmpty, !name.utf8.contains(0) else { return nil }
        if let remembered = byName.answer(for: name) { return remembered }
        if let memoryOnly {
            memoryOnly.missed = true
            return nil
        }
        let (answered, account) = answer { getpwnam_r(name, $0, $1, $2, $3) }
        // Only a definite answer is reused: a failed lookup (a directory service down) is asked again.
        if answered { byName.keep(account, for: name) }
        return account
    }

    /// Runs `body` with `account(named:)` answering only from what it remembers: a name
    /// it does not remember counts as no account, and the run as missed. For work done on
    /// an event loop, where a lookup in the database (nsswitch.conf(5): LDAP, SSSD, or
    /// nss-systemd's call to userdbd for a name not in /etc/passwd) must not wait.
    /// - Returns: `body`'s result, nil when a lookup missed (run it again off the loop).
    static func fromMemoryOnly<T>(_ body: () throws -> T) rethrows -> T? {
        let record = MemoryOnly()
        let result = try $memoryOnly.withValue(record) { try body() }
        return record.missed ? nil : result
    }

    /// Set while `fromMemoryOnly` runs; records a lookup it could not answer.
    private final class MemoryOnly: @unchecked Sendable {
        var missed = false
    }

    @TaskLocal private static var memoryOnly: MemoryOnly?

    /// Answers of `account(named:)`, found or not, each reused for 5 s.
    private static let byName = RecentAnswers<Account?>(lifetime: .seconds(5))

    private typealias Call = (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
                              UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> CInt

    /// The account found, and whether the database answered (found or not found) rather
    /// than failed.
    private static func answer(_ call: Call) -> (answered: Bool, account: Account?) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, $0.count, &result) }
        guard status == 0 else { return (false, nil) }
        guard result != nil else { return (true, nil) }
        return (true, Account(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid, home: String(cString: entry.pw_dir)))
    }
}
