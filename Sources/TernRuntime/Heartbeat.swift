// A daemon's conversation with systemd while it runs (sd_notify(3)): READY=1 once its
// services run, then every interval a STATUS= line with live figures and, when
// WatchdogSec= is set, WATCHDOG=1 — sent only after every NIO event loop has run a task,
// so a stuck event loop stops the pings and systemd restarts the daemon. STOPPING=1 when
// graceful shutdown begins. Run by systemd as a service, it ends the daemon when idle.
import Glibc
import Logging
import MailCore
import NIOPosix
import ServiceLifecycle
import Systemd

/// The service that keeps systemd informed; its return shuts the daemon down gracefully.
public struct Heartbeat: Service {
    let parts: [any ActivityReporting]
    let readyStatus: String
    let idlePolicy: IdlePolicy
    let logger: Logger
    private let notifier = Notifier()

    /// - Parameters:
    ///   - parts: the daemon's services that report their activity.
    ///   - readyStatus: the `STATUS=` sent with `READY=1`.
    ///   - idlePolicy: what counts as idle (shown in `STATUS=`) and when the daemon exits.
    public init(parts: [any ActivityReporting], readyStatus: String, idlePolicy: IdlePolicy, logger: Logger) {
        self.parts = parts
        self.readyStatus = readyStatus
        self.idlePolicy = idlePolicy
        self.logger = logger
    }

    public func run() async throws {
        let watchdog = Notifier.watchdogInterval
        // One tick at most every 2 s and at most half WatchdogSec= apart: each refreshes the
        // status and, with a watchdog, pings it.
        let interval = min(watchdog.map { $0 / 2 } ?? .seconds(2), .seconds(2))
        notifier.ready(status: readyStatus)
        logger.info("ready", metadata: ["status": "\(readyStatus)"])
        try await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try await Self.eventLoopsTurn()
                let activities = await withTaskGroup(of: Activity.self) { group in
                    for part in parts { group.addTask { await part.activity() } }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let status = activities.map(\.summary).joined(separator: "; ")
                let wallClock = Int64(time(nil))
                if idlePolicy.shouldExit(activities, now: .now, wallClock: wallClock) {
                    logger.info("exiting after the idle timeout; the socket starts the daemon again")
                    notifier.stopping(status: "idle, exiting; \(status)")
                    return
                }
                let idle = idlePolicy.idleFor(activities, now: .now, wallClock: wallClock)
                let line = (idle.map { "idle \(ShortDuration.text(seconds: $0.components.seconds)); " } ?? "") + status
                if watchdog != nil { notifier.watchdog(status: line) } else { notifier.status(line) }
            }
        } onGracefulShutdown: {
            notifier.stopping(status: "shutting down")
        }
    }

    /// Returns once every event loop of the shared group has run an empty task.
    static func eventLoopsTurn() async throws {
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            try await loop.submit {}.get()
        }
    }
}
