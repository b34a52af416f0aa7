// tern.conf: one table of settings, each a key, a default and a doc comment kept together
// (the Postfix way), parsed from `key = value` lines with `#` comments.

/// Every setting of Tern, with its default.
public struct Configuration: Sendable, Equatable {
    /// `hostname`: the name this host gives in its greeting and Received headers.
    public var hostname: String
    /// `local_domains`: domains delivered here (lower case). Default: the host name and `localhost`.
    public var localDomains: [String]
    /// `message_size_limit`: the largest message accepted, in octets (RFC 1870 SIZE).
    public var messageSizeLimit: UInt64 = 10_240_000
    /// `recipient_limit`: recipients per message before `452 4.5.3` (RFC 5321 §4.5.3.1.8: at least 100).
    public var recipientLimit: Int = 1000
    /// `retry_minimum`: the first retry delay after a temporary failure, in seconds.
    public var retryMinimum: Int = 300
    /// `retry_maximum`: the longest delay between retries, in seconds.
    public var retryMaximum: Int = 3600
    /// `queue_lifetime`: seconds a message may stay queued before it is returned (Postfix
    /// `maximal_queue_lifetime`, RFC 5321 §4.5.4.1: at least 4–5 days).
    public var queueLifetime: Int64 = 5 * 86_400
    /// `delay_warning`: seconds after arrival when a delay report is sent (RFC 3464
    /// `Action: delayed`); `0` disables it.
    public var delayWarning: Int64 = 4 * 3600
    /// `queue_group_commit`: `yes` lets concurrent commits share one queue-directory fsync.
    public var queueGroupCommit: Bool = true
    /// `direct_delivery`: `yes` lets tern-mtad deliver a message with one local recipient,
    /// whose content is still in memory (at most 256 KiB), before it answers QUEUED, instead
    /// of queueing it first (the message is then fsynced in its Maildir before the `250`).
    public var directDelivery: Bool = true
    /// `queue_minimum_free`: octets that must stay free on the queue file system; a
    /// message that would eat into them is refused with `452 4.3.1` before DATA.
    public var queueMinimumFree: UInt64 = 16 * 1_048_576
    /// `delivery_concurrency`: how many deliveries tern-mtad runs at once.
    public var deliveryConcurrency: Int = 20
    /// `idle_timeout`: seconds a socket-activated daemon stays without work before it exits,
    /// to be started again by its socket (tern-mtad: by its timer too); 0 = never.
    public var idleTimeout: Int = 60
    /// `queue_wakeup_interval`: tern-mtad stays running while a retry is due within this
    /// many seconds; at most the `OnUnitInactiveSec=` of tern-mtad.timer.
    public var queueWakeupInterval: Int = 300
    /// `smtp_listen`: `host:port` tern-submitd binds when not socket-activated.
    public var smtpListen: String = "127.0.0.1:25"
    /// `relay_networks`: client networks (CIDR) that may relay to any domain; the local
    /// socket always may. Default: loopback.
    public var relayNetworks: [String] = ["127.0.0.0/8", "::1/128"]
    /// `tls_certificate` and `tls_key`: PEM files; STARTTLS is offered when both are set (RFC 3207).
    public var tlsCertificate: String = ""
    public var tlsKey: String = ""
    /// `smtp_credentials`: `user:pbkdf2-sha256$iterations$salt$hash` lines; AUTH is offered
    /// after STARTTLS when set (RFC 4954).
    public var smtpCredentials: String = ""
    /// `header_size_limit`: the largest header section, octets.
    public var headerSizeLimit: Int = 102_400
    /// `smtp_junk_command_limit`: NOOP, RSET, VRFY, EXPN and HELP per session without MAIL.
    public var smtpJunkCommandLimit: Int = 100
    /// `smtp_error_limit`: error replies per session before 421.
    public var smtpErrorLimit: Int = 20
    /// `smtp_timeout`: seconds a client may stay silent (RFC 5321 §4.5.3.2.7: at least 5 minutes).
    public var smtpTimeout: Int = 300
    /// `smtp_session_timeout`: seconds one SMTP session may last in all.
    public var smtpSessionTimeout: Int = 3600
    /// `smtp_connection_limit`: concurrent SMTP connections in total.
    public var smtpConnectionLimit: Int = 2000
    /// `smtp_client_connection_limit`: concurrent SMTP connections from one client address.
    public var smtpClientConnectionLimit: Int = 50
    /// `relayhost`: send all non-local mail here: `[host]:port` (no MX lookup) or `host[:port]`.
    public var relayhost: String = ""
    /// `transport_table`: a file of `domain next-hop` lines that override DNS per domain.
    public var transportTable: String = ""
    /// `dns_server`: `address[:port]` of the name server for MX lookups; empty: /etc/resolv.conf.
    public var dnsServer: String = ""
    /// `remote_smtp_port`: the port of mail exchangers found through DNS (RFC 5321 §4.5.4: 25).
    public var remoteSMTPPort: Int = 25
    /// `tls_required_domains`: domains whose mail goes only over TLS (else opportunistic).
    public var tlsRequiredDomains: [String] = []
    /// `relay_concurrency`: outgoing SMTP connections in total.
    public var relayConcurrency: Int = 100
    /// `destination_concurrency`: outgoing SMTP connections to one destination (host and port).
    public var destinationConcurrency: Int = 20
    /// `hop_limit`: a message with more Received fields than this is a loop (RFC 5321 §6.3): 5.4.6.
    public var hopLimit: Int = 50
    /// `local_recipients`: who has a mailbox here (`accounts`, the default, or `any`).
    public var localRecipients: LocalRecipientPolicy = .accounts
    /// `home_mailbox`: each user's Maildir as a path below their home directory (`Maildir`
    /// for `~/Maildir/`, as Postfix's `home_mailbox = Maildir/`); empty (the default): the
    /// spool, `/var/mail/USER/`.
    public var homeMailbox: String = ""

    /// The defaults for a host called `hostname`.
    public init(hostname: String) {
        self.hostname = hostname
        self.localDomains = [hostname.lowercased(), "localhost"]
    }

    /// True when `domain` (any case) is delivered on this host.
    public func isLocal(domain: String) -> Bool { localDomains.contains(domain.lowercased()) }

    /// A line of tern.conf that could not be used.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
        public var description: String { "tern.conf line \(line): \(reason)" }
    }

    /// Reads `key = value` lines over the defaults for `hostname`.
    /// - Throws: `ParseError` for a line without `=`, an unknown key or a bad number.
    public static func parse(_ text: String, hostname: String) throws(ParseError) -> Configuration {
        var configuration = Configuration(hostname: hostname)
        var domainsGiven = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(trim) ?? ""
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(line: index + 1, reason: "expected key = value")
            }
            let key = trim(line[..<equals])
            let value = trim(line[line.index(after: equals)...])
            func number<T: FixedWidthInteger>(_: T.Type) throws(ParseError) -> T {
                guard let parsed = T(value), parsed > 0 else {
                    throw ParseError(line: index + 1, reason: "\(key) needs a positive whole number")
                }
                return parsed
            }
            switch key {
            case "hostname": configuration.hostname = value
            case "local_domains":
                domainsGiven = true
                configuration.localDomains = list(value).map { $0.lowercased() }
            case "message_size_limit": configuration.messageSizeLimit = try number(UInt64.self)
            case "recipient_limit": configuration.recipientLimit = max(100, try number(Int.self))
            case "retry_minimum": configuration.retryMinimum = try number(Int.self)
            case "retry_maximum": configuration.retryMaximum = try number(Int.self)
            case "queue_lifetime": configuration.queueLifetime = try number(Int64.self)
            case "delay_warning":
                guard let seconds = Int64(value), seconds >= 0 else {
                    throw ParseError(line: index + 1, reason: "delay_warning needs a whole number of seconds (0 = off)")
                }
                configuration.delayWarning = seconds
            case "queue_group_commit":
                guard value == "yes" || value == "no" else { throw ParseError(line: index + 1, reason: "queue_group_commit is yes or no") }
                configuration.queueGroupCommit = value == "yes"
            case "direct_delivery":
                guard value == "yes" || value == "no" else { throw ParseError(line: index + 1, reason: "direct_delivery is yes or no") }
                configuration.directDelivery = value == "yes"
            case "queue_minimum_free":
                guard let octets = UInt64(value) else { throw ParseError(line: index + 1, reason: "queue_minimum_free needs a number of octets") }
                configuration.queueMinimumFree = octets
            case "delivery_concurrency": configuration.deliveryConcurrency = try number(Int.self)
            case "idle_timeout": configuration.idleTimeout = value == "0" ? 0 : try number(Int.self)
            case "queue_wakeup_interval": configuration.queueWakeupInterval = try number(Int.self)
            case "smtp_listen": configuration.smtpListen = value
            case "relay_networks": configuration.relayNetworks = list(value)
            case "tls_certificate": configuration.tlsCertificate = value
            case "tls_key": configuration.tlsKey = value
            case "smtp_credentials": configuration.smtpCredentials = value
            case "header_size_limit": configuration.headerSizeLimit = try number(Int.self)
            case "smtp_junk_command_limit": configuration.smtpJunkCommandLimit = try number(Int.self)
            case "smtp_error_limit": configuration.smtpErrorLimit = try number(Int.self)
            case "smtp_timeout": configuration.smtpTimeout = try number(Int.self)
            case "smtp_session_timeout": configuration.smtpSessionTimeout = try number(Int.self)
            case "smtp_connection_limit": configuration.smtpConnectionLimit = try number(Int.self)
            case "smtp_client_connection_limit": configuration.smtpClientConnectionLimit = try number(Int.self)
            case "relayhost": configuration.relayhost = value
            case "transport_table": configuration.transportTable = value
            case "dns_server": configuration.dnsServer = value
            case "remote_smtp_port": configuration.remoteSMTPPort = try number(Int.self)
            case "tls_required_domains": configuration.tlsRequiredDomains = list(value).map { $0.lowercased() }
            case "relay_concurrency": configuration.relayConcurrency = try number(Int.self)
            case "destination_concurrency": configuration.destinationConcurrency = try number(Int.self)
            case "hop_limit": configuration.hopLimit = try number(Int.self)
            case "local_recipients":
                guard let policy = LocalRecipientPolicy(rawValue: value) else {
                    throw ParseError(line: index + 1, reason: "local_recipients is accounts or any")
                }
                configuration.localRecipients = policy
            case "home_mailbox":
                guard let path = homeRelativePath(value) else {
                    throw ParseError(line: index + 1, reason: "home_mailbox is a path below the home directory, without . or ..")
                }
                configuration.homeMailbox = path
            default: throw ParseError(line: index + 1, reason: "unknown setting \(key)")
            }
        }
        if !domainsGiven { configuration.localDomains = [configuration.hostname.lowercased(), "localhost"] }
        return configuration
    }
}

/// `Maildir/` → `Maildir`; nil for an absolute path or one with `.` or `..` components.
private func homeRelativePath(_ text: String) -> String? {
    guard !text.hasPrefix("/") else { return nil }
    let components = text.split(separator: "/")
    guard components.allSatisfy({ $0 != "." && $0 != ".." }) else { return nil }
    return components.joined(separator: "/")
}

/// A comma-separated value as its non-empty, trimmed items.
private func list(_ text: String) -> [String] {
    text.split(separator: ",").map(trim).filter { !$0.isEmpty }
}

private func trim(_ text: Substring) -> String {
    String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
}
