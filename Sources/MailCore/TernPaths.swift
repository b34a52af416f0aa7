// Where Tern keeps things. With TERN_ROOT set every path lies under that folder, mirroring
// the system layout, so a test or a newcomer runs a whole private instance.

/// The file-system locations shared by the daemons and mailctl.
public struct TernPaths: Sendable, Hashable {
    /// The prefix: `""` for the system paths, or the `TERN_ROOT` folder.
    public let root: String

    /// - Parameter root: the value of `TERN_ROOT`, or `nil`/empty for the system paths.
    public init(root: String?) {
        var prefix = root ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.root = prefix
    }

    /// `/etc/tern`
    public var configurationDirectory: String { root + "/etc/tern" }
    /// `/etc/tern/tern.conf`
    public var configurationFile: String { configurationDirectory + "/tern.conf" }
    /// `/etc/tern/aliases`: local aliases (aliases(5) format), read by tern-deliverd.
    public var aliasesFile: String { configurationDirectory + "/aliases" }
    /// `/var/lib/tern/queue`: committed queue files (tern-mtad's state directory).
    public var queueDirectory: String { root + "/var/lib/tern/queue" }
    /// `/var/mail`: one Maildir per local user below it.
    public var mailRoot: String { root + "/var/mail" }
    /// `/var/tmp`: where tern-deliverd spools a message it is delivering (an unnamed file,
    /// gone when closed).
    public var temporaryDirectory: String { root + "/var/tmp" }
    /// `/run/tern`: the sockets, owned by the socket units.
    public var socketDirectory: String { root + "/run/tern" }
    /// `/run/tern/submit.sock`: SMTP for local clients (tern-submitd).
    public var submitSocket: String { socketDirectory + "/submit.sock" }
    /// `/run/tern/queue.sock`: MailWire to tern-mtad.
    public var queueSocket: String { socketDirectory + "/queue.sock" }
    /// `/run/tern/deliver.sock`: MailWire to tern-deliverd.
    public var deliverSocket: String { socketDirectory + "/deliver.sock" }
}
