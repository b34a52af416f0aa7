// The kinds of event in a message's life that the journal records, each with the catalog
// MESSAGE_ID that `journalctl -x` explains (units/tern.catalog holds the same list).
// A log entry names its kind in the `event` metadata key; the journal handler adds the id.

/// One kind of event about a queued message.
public enum MailEvent: String, Sendable, CaseIterable, CustomStringConvertible {
    /// tern-submitd answered 250 to an SMTP client.
    case received
    /// tern-mtad committed the message to the queue.
    case queued
    /// tern-deliverd wrote the message into a recipient's Maildir.
    case stored
    /// tern-mtad recorded a recipient as delivered.
    case delivered
    /// A temporary failure: the recipient is tried again later.
    case deferred
    /// A permanent failure: the recipient is not tried again.
    case bounced
    /// The queue lifetime ran out before every recipient was done.
    case expired
    /// Every recipient is done; the queue file is gone.
    case removed

    /// The journal catalog id (`MESSAGE_ID`): 128 bits in lower-case hex, minted once with
    /// `systemd-id128 new` and never changed.
    public var catalogID: String {
        switch self {
        case .received: "25ac3f3f45df492c896a16f351d0914c"
        case .queued: "f4b16bcb7c344e26b764ac455eb30240"
        case .stored: "f123a836dfa345b99675402cf5882a1f"
        case .delivered: "f608f8549e1b410886cdbc37dfe09038"
        case .deferred: "2567f502646e43589b26aef06116520e"
        case .bounced: "b2e935e635bf409db676f96f92aefdf0"
        case .expired: "a0ffda0119f647fd8c7fc0d55fa61443"
        case .removed: "f53f920662e9414a9c9f047cff67ec9b"
        }
    }

    /// Every event name with its catalog id, for the journal handler.
    public static var catalog: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.catalogID) })
    }

    /// The name (`received`, ...), as the `event` value of log entries. Interpolating an
    /// enum without it goes through reflection: about 7 K instructions per log entry.
    public var description: String { rawValue }

    /// The event that records a recipient's new state after an attempt.
    public init(outcome: RecipientState) {
        switch outcome {
        case .delivered: self = .delivered
        case .bounced: self = .bounced
        case .pending, .deferred: self = .deferred
        }
    }
}
