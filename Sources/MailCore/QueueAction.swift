// The operator's verbs on queued messages (`mailctl queue flush|hold|release|delete|
// requeue|expire`), the Postfix postqueue/postsuper set, as MailWire QUEUE_CONTROL carries them.

/// One control action on the queue.
public enum QueueAction: UInt8, Sendable, CaseIterable {
    /// Try now, ignoring the retry schedule (one message, or all when no ID is given).
    case flush = 1
    /// Stop attempting until released.
    case hold = 2
    /// Undo hold and try now.
    case release = 3
    /// Remove without any report.
    case delete = 4
    /// Forget attempts and warnings, make deferred recipients pending, try now.
    case requeue = 5
    /// Fail every open recipient now and send the failure report (RFC 3464).
    case expire = 6

    /// The verb as mailctl spells it.
    public var name: String {
        switch self {
        case .flush: "flush"
        case .hold: "hold"
        case .release: "release"
        case .delete: "delete"
        case .requeue: "requeue"
        case .expire: "expire"
        }
    }

    /// One line of help for the verb.
    public var summary: String {
        switch self {
        case .flush: "Try a message (or every message) now."
        case .hold: "Stop attempting a message until released."
        case .release: "Release a held message and try it now."
        case .delete: "Remove a message without any report."
        case .requeue: "Forget a message's attempts and warnings and try it now."
        case .expire: "Fail a message now and send the failure report."
        }
    }
}
