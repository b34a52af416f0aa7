// Wakes the queue manager once a second so deferred messages whose time has come are
// tried again (new messages start at once, without waiting for the timer).
import Queue
import ServiceLifecycle

/// A service that runs the queue's retry schedule.
public struct RetryTimer: Service {
    let manager: QueueManager

    public init(manager: QueueManager) { self.manager = manager }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await manager.dispatch()
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
