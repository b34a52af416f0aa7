// Where mail for a domain goes when the administrator says so: `relayhost` and the
// transport table (Postfix's syntax: `[host]:port` means "this host, no MX lookup";
// `host:port` or `host` means "look up MX for host").
import MailCore

/// An administrator-chosen destination.
public struct NextHop: Sendable, Equatable {
    public var host: String
    /// nil: the remote SMTP port setting.
    public var port: Int?
    /// True for `[host]`: connect to the host's addresses directly, no MX lookup.
    public var skipMX: Bool

    public init(host: String, port: Int?, skipMX: Bool) {
        self.host = host
        self.port = port
        self.skipMX = skipMX
    }

    /// Parses `[host]:port`, `[host]`, `host:port` or `host`; nil when malformed.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingBlanks())
        var port: Int?
        var skipMX = false
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            skipMX = true
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else { return nil }
                port = value
            }
        } else {
            let parts = rest.split(separator: ":", maxSplits: 1)
            guard let first = parts.first else { return nil }
            host = String(first)
            if parts.count == 2 {
                guard let value = Int(parts[1]) else { return nil }
                port = value
            }
        }
        guard !host.isEmpty, port.map({ (1...65_535).contains($0) }) ?? true else { return nil }
        self.port = port
        self.skipMX = skipMX
    }
}

/// The transport table: `domain next-hop` lines; `#` comments.
public struct TransportTable: Sendable, Equatable {
    public private(set) var routes: [String: NextHop] = [:]

    public init() {}

    /// A bad line, by number.
    public struct FormatError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public var description: String { "transport table line \(line): expected `domain [host]:port`" }
    }

    public init(parsing text: String) throws(FormatError) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty { continue }
            guard words.count == 2, let hop = NextHop(String(words[1])) else { throw FormatError(line: index + 1) }
            routes[words[0].lowercased()] = hop
        }
    }

    /// The next hop for `domain` (exact match, lower case), if any.
    public func nextHop(for domain: String) -> NextHop? { routes[domain.lowercased()] }
}
