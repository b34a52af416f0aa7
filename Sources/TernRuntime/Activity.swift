// What a daemon is doing, for systemd's STATUS= line and for the decision to exit when
// idle (socket activation starts it again). Each part of a daemon that has work (a
// connection server, the queue) reports its own `Activity`; the heartbeat combines them.

/// Part of a daemon whose state shows in `STATUS=` and keeps the daemon running.
public protocol ActivityReporting: Sendable {
    /// The part's state now.
    func activity() async -> Activity
}

/// The state of one part of a daemon.
public struct Activity: Sendable, Equatable {
    /// A short phrase for `STATUS=`, e.g. `1 SMTP session open, 17 served`.
    public var summary: String
    /// Since when the part has had nothing to do; nil while it is busy.
    public var idleSince: ContinuousClock.Instant?
    /// Unix seconds of the earliest work the part has scheduled (a retry), nil for none.
    public var nextDue: Int64?

    public init(summary: String, idleSince: ContinuousClock.Instant?, nextDue: Int64? = nil) {
        self.summary = summary
        self.idleSince = idleSince
        self.nextDue = nextDue
    }
}

/// When a daemon may exit for lack of work.
public struct IdlePolicy: Sendable {
    /// How long every part must have been idle before the daemon exits; nil: never.
    public var timeout: Duration?
    /// Scheduled work due within this many seconds keeps the daemon running (the timer
    /// that would start it again fires only this long after it stopped).
    public var wakeupInterval: Int64

    public init(timeout: Duration?, wakeupInterval: Int64) {
        self.timeout = timeout
        self.wakeupInterval = wakeupInterval
    }

    /// How long the daemon has been idle, or nil when it is busy or has work due soon.
    /// - Parameters:
    ///   - now: the monotonic clock's present.
    ///   - wallClock: Unix seconds now, to compare with `Activity.nextDue`.
    public func idleFor(_ parts: [Activity], now: ContinuousClock.Instant, wallClock: Int64) -> Duration? {
        var latest: ContinuousClock.Instant?
        for part in parts {
            guard let since = part.idleSince else { return nil }
            if let due = part.nextDue, due <= wallClock + wakeupInterval { return nil }
            latest = max(latest ?? since, since)
        }
        guard let latest else { return nil }
        return now - latest
    }

    /// True when the daemon has been idle for at least `timeout`.
    public func shouldExit(_ parts: [Activity], now: ContinuousClock.Instant, wallClock: Int64) -> Bool {
        guard let timeout, let idle = idleFor(parts, now: now, wallClock: wallClock) else { return false }
        return idle >= timeout
    }
}
