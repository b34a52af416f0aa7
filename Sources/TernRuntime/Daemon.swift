// The life of every Tern daemon: logging (the journal, with a catalog MESSAGE_ID per
// mail event), configuration, sockets from systemd (or bound here), READY=1 once serving,
// STATUS= and WATCHDOG=1 while running (`Heartbeat`), graceful shutdown on SIGTERM or when
// idle (STOPPING=1), and an exit status systemd understands when start-up fails.
import Glibc
import Logging
import MailCore
import NIOCore
import NIOPosix
import PosixFile
import ServiceLifecycle
import Systemd

public enum Daemon {
    /// Longest wait for connections in progress after SIGTERM, below the units'
    /// `TimeoutStopSec=30s`; what is left then is cancelled.
    static let gracefulShutdownLimit = Duration.seconds(20)

    /// Runs a daemon until SIGTERM or SIGINT, or until it has been idle for `idle_timeout`
    /// when a service manager can start it again.
    /// - Parameters:
    ///   - identifier: the program name (`SYSLOG_IDENTIFIER`).
    ///   - setup: opens the listeners and builds the services; READY=1 is sent once they
    ///     run. Services that are `ActivityReporting` feed `STATUS=` and the idle decision.
    /// - Returns: never; exits 0 after a graceful stop, 78 (EX_CONFIG) for a bad
    ///   configuration, 71 (EX_OSERR) when the sockets cannot be opened.
    public static func run(identifier: String,
                           setup: (DaemonContext, ListenSockets, Logger) async throws -> (services: [any Service], status: String)) async -> Never {
        LoggingSetup.bootstrap(identifier: identifier, catalog: MailEvent.catalog)
        let logger = Logger(label: identifier)
        let context: DaemonContext
        do {
            context = try DaemonContext.load()
        } catch {
            logger.critical("cannot read the configuration", metadata: ["error": "\(error)"])
            exit(78)
        }
        do {
            let sockets = try ListenSockets.fromEnvironment()
            if !sockets.isSocketActivated { try FileSystem.makeDirectories(context.paths.socketDirectory, mode: 0o755) }
            let (services, status) = try await setup(context, sockets, logger)
            let heartbeat = Heartbeat(
                parts: services.compactMap { $0 as? any ActivityReporting }, readyStatus: status,
                idlePolicy: idlePolicy(context.configuration, exits: sockets.isSocketActivated && Notifier.isSystemdService),
                logger: logger)
            var configuration = ServiceGroupConfiguration(
                services: services.map { .init(service: $0) }
                    + [.init(service: heartbeat, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            configuration.maximumGracefulShutdownDuration = gracefulShutdownLimit
            try await ServiceGroup(configuration: configuration).run()
            exit(0)
        } catch {
            logger.critical("daemon failed", metadata: ["error": "\(error)"])
            exit(71)
        }
    }

    /// Makes NIO's event loops Swift Concurrency's global executor: a task woken by a
    /// socket read goes on running on the event loop that read it, not on a second
    /// thread pool that the event loop must wake (two thread switches per round trip).
    /// Blocking work still goes to `BlockingExecutor`, so an event loop never waits on
    /// the disk. Call once, first thing in `main`, on the main thread.
    ///
    /// NIO finds the runtime's hook with dlsym, so this works where the Swift runtime is
    /// a shared library (debug and test builds); in the statically linked binaries `make`
    /// builds the hook is a hidden symbol and tasks stay on Swift's cooperative pool, except
    /// the connections' tasks: `ConnectionServer` runs each on its channel's event loop
    /// (`EventLoopExecutor`), in every build.
    ///
    /// Each daemon runs one event loop per two cores (at least one): the three daemons and
    /// the tern-local helpers share the cores. On 2 cores a second loop per daemon cost 9%
    /// more CPU per message and gained no throughput (alternating runs of bench.py).
    public static func runTasksOnEventLoops() {
        NIOSingletons.groupLoopCountSuggestion = max(1, System.coreCount / 2)
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Idle exit only where something starts the daemon again: socket activation of a
    /// systemd service.
    static func idlePolicy(_ configuration: Configuration, exits: Bool) -> IdlePolicy {
        IdlePolicy(timeout: exits && configuration.idleTimeout > 0 ? .seconds(configuration.idleTimeout) : nil,
                   wakeupInterval: Int64(configuration.queueWakeupInterval))
    }
}
