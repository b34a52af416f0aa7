// Open and served connections of one server, and since when none has been open: the
// figures of STATUS= and of the idle decision.
import NIOConcurrencyHelpers

/// Counts a server's connections. Thread-safe.
final class ConnectionCounter: Sendable {
    private struct Counts {
        var open = 0
        var served = 0
        var idleSince: ContinuousClock.Instant? = .now
    }

    private let counts = NIOLockedValueBox(Counts())
    /// What one connection is called in `STATUS=`, singular (`SMTP session`).
    private let noun: String

    init(noun: String) { self.noun = noun }

    func opened() {
        counts.withLockedValue { counts in
            counts.open += 1
            counts.idleSince = nil
        }
    }

    func closed() {
        counts.withLockedValue { counts in
            counts.open -= 1
            counts.served += 1
            if counts.open == 0 { counts.idleSince = .now }
        }
    }

    /// `2 SMTP sessions open, 17 served`.
    var activity: Activity {
        let counts = counts.withLockedValue { $0 }
        return Activity(summary: "\(counts.open) \(noun)\(counts.open == 1 ? "" : "s") open, \(counts.served) served",
                        idleSince: counts.idleSince)
    }
}
