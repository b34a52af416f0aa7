// The system's user database (getpwuid_r(3), getpwnam_r(3)): login names of uids, and the
// accounts local mail is delivered to. An account looked up by name is remembered for a
// few seconds, as nscd does, so a busy mailbox does not read the database per message.
// Whether the database is read from local sources only (nsswitch.conf(5)) decides whether
// a lookup may run on an event loop.
import Glibc
import PosixFile

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
    /// added, changed or removed is seen at most that much later.
    public static func account(named name: String) -> Account? {
        guard !name.isEmpty, !name.utf8.contains(0) else { return nil }
        if let remembered = byName.answer(for: name) { return remembered }
        let (answered, account) = answer { getpwnam_r(name, $0, $1, $2, $3) }
        // Only a definite answer is reused: a failed lookup (a directory service down) is asked again.
        if answered { byName.keep(account, for: name) }
        return account
    }

    /// Whether the passwd database comes only from local sources (nsswitch.conf's `passwd:`
    /// services `files`, `systemd`, `db`, `altfiles`; `files` when the file or the line is
    /// missing, glibc's default), so a lookup reads local files or asks a local service and
    /// never waits for a network directory (LDAP, SSSD, NIS, winbind). Read once.
    static let sourcesAreLocal: Bool = {
        let text = (try? ReadableFile(opening: "/etc/nsswitch.conf").readAll(limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) }
        return sources(of: "passwd", in: text ?? "").allSatisfy(["files", "systemd", "db", "altfiles"].contains)
    }()

    /// The services nsswitch.conf `text` lists for `database`, without `[STATUS=action]`
    /// items; empty when it has no line for it.
    static func sources(of database: String, in text: String) -> [String] {
        for line in text.split(separator: "\n") {
            let content = line.prefix { $0 != "#" }
            guard let colon = content.firstIndex(of: ":"),
                  String(content[..<colon].filter { !$0.isWhitespace }) == database else { continue }
            var services: [String] = []
            var inAction = false
            for word in content[content.index(after: colon)...].split(whereSeparator: \.isWhitespace) {
                if word.hasPrefix("[") { inAction = true }
                if !inAction { services.append(String(word)) }
                if word.hasSuffix("]") { inAction = false }
            }
            return services
        }
        return []
    }

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
