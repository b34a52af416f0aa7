// Wakes the queue manager once a second so deferred messages whose time has come are
// tried again (new messages start at once, without waiting for the timer), and reports
// the queue for STATUS=: depth, oldest message, next retry. The queue is busy while a
// message is due (or in delivery); otherwise its next retry decides when tern-mtad may
// exit (tern-mtad.timer starts it again).
import Glibc
import MailCore
import NIOConcurrencyHelpers
import Queue
import ServiceLifecycle

/// A service that runs the queue's retry schedule.
public struct RetryTimer: Service, ActivityReporting {
    let manager: QueueManager
    /// When the queue last had a message due.
    private let lastBusy = NIOLockedValueBox(ContinuousClock.now)

    public init(manager: QueueManager) { self.manager = manager }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await manager.dispatch()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func activity() async -> Activity {
        let summaries = await manager.summaries()
        let now = Int64(time(nil))
        // Held messages wait for `mailctl queue release`, not for a time.
        let nextDue = summaries.filter { !$0.held }.map(\.nextAttempt).min()
        let busy = !(await manager.isIdle) || (nextDue.map { $0 <= now } ?? false)
        let idleSince = lastBusy.withLockedValue { last in
            if busy { last = .now }
            return last
        }
        return Activity(summary: Self.describe(summaries, now: now), idleSince: busy ? nil : idleSince, nextDue: nextDue)
    }

    /// `queue: 3 messages (1 held), oldest 5m, next retry in 2m`, or `queue empty`.
    static func describe(_ summaries: [QueueSummary], now: Int64) -> String {
        guard let oldest = summaries.map(\.arrival).min() else { return "queue empty" }
        let held = summaries.filter(\.held).count
        var text = "queue: \(summaries.count) message\(summaries.count == 1 ? "" : "s")" + (held > 0 ? " (\(held) held)" : "")
        text += ", oldest \(ShortDuration.text(seconds: now - oldest))"
        if let next = summaries.filter({ !$0.held }).map(\.nextAttempt).filter({ $0 > now }).min() {
            text += ", next retry in \(ShortDuration.text(seconds: next - now))"
        }
        return text
    }
}
