// When to try again after a temporary failure: exponential backoff between a minimum and a
// maximum (Postfix's minimal_backoff_time / maximal_backoff_time). A pure function of the
// number of attempts, like qmail's schedule is of age.

/// Backoff between delivery attempts.
public struct RetrySchedule: Sendable, Equatable {
    /// The delay after the first failed attempt, in seconds.
    public var minimum: Int
    /// The longest delay, in seconds.
    public var maximum: Int

    public init(minimum: Int, maximum: Int) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
    }

    /// Seconds to wait after `attempts` failed attempts (1 → minimum, doubling, capped at maximum).
    public func delay(afterAttempts attempts: Int) -> Int {
        let doublings = min(max(attempts - 1, 0), 30)
        let (delay, overflow) = minimum.multipliedReportingOverflow(by: 1 << doublings)
        return overflow ? maximum : min(delay, maximum)
    }
}
