// Who is a local recipient, and where mail for one goes: a system account, an alias
// (expanded recursively, cycles detected) or postmaster, which always exists (RFC 5321
// §4.5.1) and defaults to root. Pure: the account database is a function passed in.

/// Which local parts have a mailbox (`local_recipients` in tern.conf).
public enum LocalRecipientPolicy: String, Sendable {
    /// System accounts (getpwnam), aliases and postmaster; anything else is unknown.
    case accounts
    /// Every well-formed local part (private instances and tests); a name that is not an
    /// account gets a mailbox owned by the delivery daemon's own user.
    case any
}

/// One place a local recipient's mail goes.
public enum LocalDestination: Sendable, Hashable {
    /// The Maildir of local name `name`; `deliveredTo` is the address its Delivered-To
    /// field names.
    case mailbox(name: String, deliveredTo: String)
    /// A non-local address an alias names: the message is queued again for it.
    case forward(address: String)
}

/// Where one envelope recipient's mail goes.
public struct RecipientExpansion: Sendable, Equatable {
    /// Mailboxes and forward-paths, each once, in the order the aliases name them.
    public var destinations: [LocalDestination] = []
    /// Permanent failures met on the way (an unknown target, an alias cycle).
    public var failures: [Reply] = []
}

/// The local recipients of this host.
public struct LocalRecipients: Sendable {
    /// How deeply aliases may nest before the expansion counts as a loop (sendmail uses 10).
    public static let maximumDepth = 16
    /// The most destinations one recipient may expand to.
    public static let maximumDestinations = 1000

    let aliases: AliasTable
    let policy: LocalRecipientPolicy
    let localDomains: Set<String>
    let defaultDomain: String
    let isAccount: @Sendable (String) -> Bool

    /// - Parameters:
    ///   - localDomains: lower-cased domains delivered here; alias targets in them are local.
    ///   - defaultDomain: the domain of Delivered-To for an address without one (`<Postmaster>`).
    ///   - isAccount: true when a lower-cased name is a system account.
    public init(aliases: AliasTable, policy: LocalRecipientPolicy, localDomains: Set<String>, defaultDomain: String,
                isAccount: @escaping @Sendable (String) -> Bool) {
        self.aliases = aliases
        self.policy = policy
        self.localDomains = localDomains
        self.defaultDomain = defaultDomain.lowercased()
        self.isAccount = isAccount
    }

    /// True when `address` (in a local domain) names a recipient here: what RCPT checks.
    public func exists(_ address: String) -> Bool {
        guard let name = MailboxName.directory(forLocalPart: MailAddress.localPart(of: address)) else { return false }
        return (aliases.targets(of: name) ?? defaultTargets(of: name)) != nil || hasMailbox(name)
    }

    /// True when `name` has a Maildir of its own (an alias naming itself delivers there).
    private func hasMailbox(_ name: String) -> Bool { policy == .any || isAccount(name) }

    /// Expands `address` through the aliases to mailboxes and forward-paths.
    public func expand(_ address: String) -> RecipientExpansion {
        var expansion = RecipientExpansion()
        guard let name = MailboxName.directory(forLocalPart: MailAddress.localPart(of: address)) else {
            expansion.failures.append(.unknownUser(address))
            return expansion
        }
        let domain = MailAddress.domain(of: address) ?? defaultDomain
        visit(name, as: address, domain: domain, path: [], into: &expansion)
        return expansion
    }

    /// Expands `name`; `path` holds the aliases being expanded above it.
    private func visit(_ name: String, as address: String, domain: String, path: [String], into expansion: inout RecipientExpansion) {
        let onPath = path.contains(name)
        if !onPath, let targets = aliases.targets(of: name) ?? defaultTargets(of: name) {
            guard path.count < Self.maximumDepth else {
                return expansion.failures.append(Reply(554, "5.4.6", "<\(address)>: aliases nested too deeply"))
            }
            for target in targets { follow(target, domain: domain, path: path + [name], into: &expansion) }
        } else if hasMailbox(name) {
            add(.mailbox(name: name, deliveredTo: path.isEmpty ? address : "\(name)@\(domain)"), to: &expansion)
        } else if onPath {
            let cycle = (path[path.firstIndex(of: name)!...] + [name]).joined(separator: " -> ")
            expansion.failures.append(Reply(554, "5.4.6", "<\(address)>: alias loop: \(cycle)"))
        } else {
            expansion.failures.append(.unknownUser(address))
        }
    }

    private func follow(_ target: String, domain: String, path: [String], into expansion: inout RecipientExpansion) {
        guard target.utf8.contains(UInt8(ascii: "@")) else {
            return visit(target, as: "\(target)@\(domain)", domain: domain, path: path, into: &expansion)
        }
        let targetDomain = MailAddress.domain(of: target) ?? domain
        guard localDomains.contains(targetDomain) else { return add(.forward(address: target), to: &expansion) }
        guard let name = MailboxName.directory(forLocalPart: MailAddress.localPart(of: target)) else {
            return expansion.failures.append(.unknownUser(target))
        }
        visit(name, as: target, domain: targetDomain, path: path, into: &expansion)
    }

    /// Postmaster is always there: mail for it goes to root unless an alias or an account
    /// says otherwise.
    private func defaultTargets(of name: String) -> [String]? {
        name == "postmaster" && !isAccount(name) ? ["root"] : nil
    }

    private func add(_ destination: LocalDestination, to expansion: inout RecipientExpansion) {
        let known = expansion.destinations.contains { existing in
            switch (existing, destination) {
            case (.mailbox(let a, _), .mailbox(let b, _)): a == b
            case (.forward(let a), .forward(let b)): a.lowercased() == b.lowercased()
            default: false
            }
        }
        guard !known else { return }
        guard expansion.destinations.count < Self.maximumDestinations else {
            if expansion.failures.isEmpty { expansion.failures.append(Reply(550, "5.3.0", "aliases expand to more than \(Self.maximumDestinations) destinations")) }
            return
        }
        expansion.destinations.append(destination)
    }
}
