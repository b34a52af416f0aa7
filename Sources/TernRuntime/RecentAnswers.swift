// Answers of a lookup kept for a short while, so a busy daemon does not ask the same
// question per message: tern-submitd's RCPT checks, the account lookups.
import NIOConcurrencyHelpers

/// Answers by key, each reused for `lifetime` after it was given. Thread-safe.
final class RecentAnswers<Value: Sendable>: Sendable {
    private let answers = NIOLockedValueBox([String: (value: Value, given: ContinuousClock.Instant)]())
    private let lifetime: Duration
    private let capacity: Int

    /// - Parameter capacity: most answers kept; beyond it the memory starts again.
    init(lifetime: Duration, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The answer for `key` given less than `lifetime` ago, nil when there is none.
    func answer(for key: String) -> Value? {
        guard let (value, given) = answers.withLockedValue({ $0[key] }), ContinuousClock.now - given < lifetime else { return nil }
        return value
    }

    /// Keeps `value` as the answer for `key`, given now.
    func keep(_ value: Value, for key: String) {
        answers.withLockedValue {
            if $0.count >= capacity { $0.removeAll() }
            $0[key] = (value, .now)
        }
    }
}
