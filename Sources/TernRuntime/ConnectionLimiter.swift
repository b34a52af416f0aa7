// Concurrent SMTP connections, in total and per client address: over either limit a new
// connection gets `421 4.7.0` and is closed (RFC 5321 §3.8).
import NIOConcurrencyHelpers

/// Counts open connections. Thread-safe.
public final class ConnectionLimiter: Sendable {
    private let counts = NIOLockedValueBox<(total: Int, byClient: [String: Int])>((0, [:]))
    private let total: Int
    private let perClient: Int

    public init(total: Int, perClient: Int) {
        self.total = total
        self.perClient = perClient
    }

    /// Takes a place for `client` (nil: the local socket, counted only in the total).
    /// - Returns: false when a limit is reached; nothing is taken then.
    public func acquire(client: String?) -> Bool {
        counts.withLockedValue { counts in
            guard counts.total < total else { return false }
            if let client {
                guard counts.byClient[client, default: 0] < perClient else { return false }
                counts.byClient[client, default: 0] += 1
            }
            counts.total += 1
            return true
        }
    }

    /// Gives back the place taken by `acquire`.
    public func release(client: String?) {
        counts.withLockedValue { counts in
            counts.total -= 1
            if let client {
                let left = counts.byClient[client, default: 1] - 1
                counts.byClient[client] = left > 0 ? left : nil
            }
        }
    }
}
