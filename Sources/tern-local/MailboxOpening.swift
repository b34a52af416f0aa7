// Opening a user's mailbox the way qmail-local and OpenSMTPD's mail.maildir do: the one
// step that needs root (creating a missing `/var/mail/USER` and giving it to the user) is
// done first; then the process becomes the user for good, and everything else (opening
// the Maildir, writing, reading) happens with the user's rights only, so root needs no
// right to read or search anyone's files (CAP_SETUID, CAP_SETGID and CAP_CHOWN suffice).
// A mailbox that does not belong to the user it is opened for is refused, never written.
import Glibc
import PosixFile

enum MailboxOpening {
    /// The mailbox directory belongs to someone else (a temporary failure: an
    /// administrator must fix it; mail waits in the queue meanwhile).
    struct NotOwned: Error, CustomStringConvertible {
        let path: String
        let owner: UInt32
        var description: String { "\(path) belongs to uid \(owner), not to uid \(getuid())" }
    }

    /// Once, at start: prepares a delivery helper's spool mailbox (`arguments.create`) and
    /// drops privileges for good to the account in `arguments` (when started as root).
    /// - Throws: `FileError`, or the failure to drop privileges (then nothing may be served).
    static func prepare(_ arguments: HelperArguments) throws {
        // Privileges are dropped even when the spool step fails: a helper never goes on as root.
        var failure: (any Error)?
        if arguments.create, case .spool(let directory, let name) = arguments.location {
            do { try prepareSpool(directory, name, owner: arguments.user) } catch { failure = error }
        }
        if let user = arguments.user, geteuid() == 0 { try Privileges.drop(toUser: user.uid, group: user.gid) }
        if let failure { throw failure }
    }

    /// Opens the mailbox directory as its owner (after `prepare`).
    /// - Parameter create: create what is missing (delivery); otherwise a missing mailbox is nil.
    /// - Throws: `FileError` (ELOOP or ENOTDIR for a symbolic link in the mailbox's path),
    ///   `NotOwned`.
    static func open(_ arguments: HelperArguments, create: Bool) throws -> Directory? {
        let mailbox: Directory?
        switch arguments.location {
        case .spool(let directory, let name): mailbox = try openBelow(directory, name, create: false)
        case .home(let home, let folder): mailbox = try openBelow(home, folder, create: create)
        }
        guard let mailbox else { return nil }
        let owner = try mailbox.status().owner
        guard owner == getuid() else { throw NotOwned(path: mailbox.path, owner: owner) }
        return mailbox
    }

    /// The only privileged step: a missing `DIRECTORY/NAME` is created (mode 0700) and given
    /// to `owner`. Nothing that already exists is opened or changed with privileges.
    private static func prepareSpool(_ directory: String, _ name: String, owner: (uid: uid_t, gid: gid_t)?) throws {
        try FileSystem.makeDirectories(directory, mode: 0o755)
        let spool = try Directory(opening: directory)
        guard spool.status(of: name) == nil else { return }
        let mailbox = try spool.subdirectory(name, creatingWith: 0o700)
        if let owner, geteuid() == 0 { try mailbox.changeOwner(to: owner.uid, group: owner.gid) }
    }

    /// The directory `folder` (one or more components) below `base`, each component opened
    /// without following a symbolic link and created (0700) when `create`; nil when it does
    /// not exist and `create` is false.
    private static func openBelow(_ base: String, _ folder: String, create: Bool) throws -> Directory? {
        do {
            var current = try Directory(opening: base)
            for component in folder.split(separator: "/").map(String.init) {
                current = try current.subdirectory(component, creatingWith: create ? 0o700 : nil)
            }
            return current
        } catch {
            if !create && error.errno == ENOENT { return nil }
            throw error
        }
    }
}
