// `mailctl status`: each daemon's state as systemd sees it (its service and sockets) with
// the STATUS= line it last sent, and the queue's depth and oldest message.

/// One daemon as `mailctl status` shows it.
public struct DaemonStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Running, with work in progress.
        case running
        /// Running, with nothing to do (its `STATUS=` begins with `idle`); it exits soon.
        case idle
        /// Not running; its sockets listen and start it on the next connection.
        case listening
        case starting, stopping, failed
        /// Neither running nor listening.
        case stopped
    }

    public var name: String
    public var state: State
    /// The daemon's last `STATUS=` line, empty when it sent none.
    public var status: String

    public init(name: String, state: State, status: String) {
        self.name = name
        self.state = state
        self.status = status
    }

    /// The state from systemd's `ActiveState` of the service and of its sockets.
    public static func state(service: String, sockets: [String], status: String) -> State {
        switch service {
        case "active", "reloading": return status.hasPrefix("idle") ? .idle : .running
        case "activating": return .starting
        case "deactivating": return .stopping
        case "failed": return .failed
        default:
            if sockets.contains("failed") { return .failed }
            return !sockets.isEmpty && sockets.allSatisfy { $0 == "active" } ? .listening : .stopped
        }
    }
}

/// The queue as `mailctl status` summarises it.
public struct QueueStatus: Sendable, Equatable {
    public var messages: Int
    /// The oldest message, nil when the queue is empty.
    public var oldest: QueueSummary?

    public init(_ summaries: [QueueSummary]) {
        messages = summaries.count
        oldest = summaries.min { $0.arrival < $1.arrival }
    }
}

public enum DaemonStatusFormat {
    /// A table of daemons, then `Queue: …` (`unavailable` when tern-mtad did not answer).
    /// - Parameter now: Unix seconds, for the oldest message's age.
    public static func text(_ daemons: [DaemonStatus], queue: QueueStatus?, now: Int64) -> String {
        var out = "DAEMON         STATE      STATUS\n"
        for daemon in daemons {
            out += QueueListingFormat.pad(daemon.name, 15) + QueueListingFormat.pad(daemon.state.rawValue, 11)
                + (daemon.status.isEmpty ? "-" : daemon.status) + "\n"
        }
        guard let queue else { return out + "Queue: unavailable\n" }
        out += "Queue: \(queue.messages) message\(queue.messages == 1 ? "" : "s")"
        if let oldest = queue.oldest {
            out += ", oldest \(oldest.queueID) (\(ShortDuration.text(seconds: now - oldest.arrival)) ago)"
        }
        return out + "\n"
    }

    /// One JSON object per daemon and line, then one for the queue (`null` members when
    /// tern-mtad did not answer).
    public static func json(_ daemons: [DaemonStatus], queue: QueueStatus?) -> String {
        var out = daemons.map { daemon in
            JSONText.object([
                ("daemon", JSONText.string(daemon.name)), ("state", JSONText.string(daemon.state.rawValue)),
                ("status", JSONText.string(daemon.status)),
            ]) + "\n"
        }.joined()
        out += JSONText.object([
            ("queue_messages", queue.map { String($0.messages) } ?? "null"),
            ("oldest_queue_id", queue?.oldest.map { JSONText.string($0.queueID.rawValue) } ?? "null"),
            ("oldest_arrival_time", queue?.oldest.map { String($0.arrival) } ?? "null"),
        ]) + "\n"
        return out
    }
}
