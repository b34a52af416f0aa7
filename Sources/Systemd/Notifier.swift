// Service state for systemd (sd_notify(3)): READY=1, STATUS=, STOPPING=1, WATCHDOG=1.
// Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op.
import CSystemd

/// Sends state changes to the service manager over `$NOTIFY_SOCKET`.
public struct Notifier: Sendable {
    public init() {}

    /// The daemon is serving: its sockets are adopted and (tern-mtad) the queue is scanned.
    public func ready(status: String? = nil) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }

    /// A one-line status shown by `systemctl status`.
    public func status(_ text: String) { send(["STATUS=\(text)"]) }

    /// Graceful shutdown has begun; `status` says why.
    public func stopping(status: String? = nil) { send(["STOPPING=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }

    /// The keep-alive `WatchdogSec=` asks for, with the current status in the same datagram.
    public func watchdog(status: String) { send(["WATCHDOG=1", "STATUS=\(status)"]) }

    /// The `WatchdogSec=` interval systemd expects pings within (sd_watchdog_enabled(3)),
    /// nil when the watchdog is off or meant for another process.
    public static var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    /// True when systemd runs this process as a service (`$INVOCATION_ID`): it starts the
    /// daemon again through its sockets, so the daemon may exit when idle.
    /// `systemd-socket-activate` starts a daemon once and is gone, and sets no such id.
    public static var isSystemdService: Bool { ProcessEnvironment.value("INVOCATION_ID") != nil }

    /// Sends newline-separated assignments in one datagram, so systemd sees them together.
    private func send(_ assignments: [String]) {
        // Status text is one line by contract; a newline would start a new assignment.
        let joined = assignments.map { $0.replacingNewlines() }.joined(separator: "\n")
        _ = sd_notify(0, joined)
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(self.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
