// The command line tern-deliverd gives tern-local: which mailbox, and whose it is.
import Glibc

/// Where the mailbox is and as whom to open it.
struct HelperArguments {
    enum Location {
        /// `DIRECTORY/NAME`: the spool (`/var/mail`); NAME is created and given to the
        /// user before privileges are dropped.
        case spool(directory: String, name: String)
        /// `HOME/FOLDER` (`~/Maildir`), opened and created as the user.
        case home(directory: String, folder: String)
    }

    var location: Location
    /// The account to become (only when started as root).
    var user: (uid: uid_t, gid: gid_t)?
    /// The host name in Maildir file names.
    var hostname = "localhost"
    /// A missing mailbox may be created (a delivery helper); reads never create one.
    var create = false

    /// Parses `--spool DIR --name NAME | --home DIR --folder PATH`, `[--uid N --gid N]`,
    /// `[--hostname H]`, `[--create]`; nil for anything else.
    init?(_ arguments: [String]) {
        var values: [String: String] = [:]
        var creates = false
        var index = 0
        while index < arguments.count {
            let key = arguments[index]
            if key == "--create" && !creates {
                creates = true
                index += 1
                continue
            }
            guard index + 1 < arguments.count else { return nil }
            guard ["--spool", "--name", "--home", "--folder", "--uid", "--gid", "--hostname"].contains(key),
                  values[key] == nil else { return nil }
            values[key] = arguments[index + 1]
            index += 2
        }
        switch (values["--spool"], values["--name"], values["--home"], values["--folder"]) {
        case (let spool?, let name?, nil, nil): location = .spool(directory: spool, name: name)
        case (nil, nil, let home?, let folder?): location = .home(directory: home, folder: folder)
        default: return nil
        }
        switch (values["--uid"].flatMap { uid_t($0) }, values["--gid"].flatMap { gid_t($0) }) {
        case (let uid?, let gid?): user = (uid, gid)
        case (nil, nil) where values["--uid"] == nil && values["--gid"] == nil: user = nil
        default: return nil
        }
        if let hostname = values["--hostname"] { self.hostname = hostname }
        create = creates
    }
}
