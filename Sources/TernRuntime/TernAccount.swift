// The system account tern-submitd and tern-mtad run as (units/sysusers.d/tern.conf).
// tern-deliverd runs as root, so it recognises the queue manager by this account's uid.
import Glibc

public enum TernAccount {
    /// The login name systemd-sysusers creates.
    public static let name = "_tern"

    /// The account's uid (getpwnam_r(3)), nil where it does not exist (a private instance
    /// run by an ordinary user).
    public static let uid: uid_t? = {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }()
}
