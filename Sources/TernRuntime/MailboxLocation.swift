// Where a local name's Maildir is and whose it is: `/var/mail/NAME/` (or `~/Maildir/` with
// `home_mailbox`), owned by the account of that name. When tern-deliverd is not root (a
// developer's machine, a private instance) every mailbox is its own user's.
import Glibc
import MailCore

/// One mailbox, as tern-local is told to open it.
struct MailboxLocation: Sendable, Hashable {
    enum Place: Sendable, Hashable {
        case spool(directory: String, name: String)
        case home(directory: String, folder: String)
    }

    struct Owner: Sendable, Hashable {
        var uid: uid_t
        var gid: gid_t
    }

    var place: Place
    /// The account to deliver as; nil: as tern-deliverd's own user.
    var owner: Owner?

    /// The mailbox of local name `name` (lower case, a valid mailbox name).
    /// - Returns: 550 5.1.1 when it is not an account and `local_recipients` is `accounts`.
    static func of(_ name: String, mailRoot: String, configuration: Configuration) -> Result<MailboxLocation, ReplyError> {
        let account = UserAccounts.account(named: name)
        guard account != nil || configuration.localRecipients == .any else {
            return .failure(ReplyError(.unknownUser(name)))
        }
        var location = MailboxLocation(place: .spool(directory: mailRoot, name: name))
        if let account {
            if !configuration.homeMailbox.isEmpty { location.place = .home(directory: account.home, folder: configuration.homeMailbox) }
            if geteuid() == 0 { location.owner = Owner(uid: account.uid, gid: account.gid) }
        }
        return .success(location)
    }

    /// tern-local's command line for this mailbox.
    func arguments(hostname: String) -> [String] {
        var arguments: [String]
        switch place {
        case .spool(let directory, let name): arguments = ["--spool", directory, "--name", name]
        case .home(let directory, let folder): arguments = ["--home", directory, "--folder", folder]
        }
        if let owner { arguments += ["--uid", String(owner.uid), "--gid", String(owner.gid)] }
        return arguments + ["--hostname", hostname]
    }
}
