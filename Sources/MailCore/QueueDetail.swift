// What `mailctl queue show ID` and `mailctl queue verify` report.

/// One queued message in full: its listing entry, DSN parameters and header section.
public struct QueueDetail: Sendable, Hashable {
    public var summary: QueueSummary
    /// `ENVID` (RFC 3461 §4.4), empty when not given.
    public var envelopeID: String
    /// `RET` (RFC 3461 §4.3), nil when not given.
    public var returnContent: DSNReturn?
    /// The message's header section as stored (at most 64 KiB).
    public var headers: String

    public init(summary: QueueSummary, envelopeID: String, returnContent: DSNReturn?, headers: String) {
        self.summary = summary
        self.envelopeID = envelopeID
        self.returnContent = returnContent
        self.headers = headers
    }
}

/// The outcome of checking every queue file.
public struct QueueVerification: Sendable, Hashable {
    /// One file that cannot be used.
    public struct Problem: Sendable, Hashable {
        /// The file's name in `queue/` or `queue/corrupt/`.
        public var name: String
        public var reason: String
        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    /// Queue files checked.
    public var checked: UInt32
    /// Files quarantined now or earlier.
    public var problems: [Problem]

    public init(checked: UInt32, problems: [Problem]) {
        self.checked = checked
        self.problems = problems
    }
}
