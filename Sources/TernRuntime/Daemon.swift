// The life of every Tern daemon: logging, configuration, sockets from systemd (or bound
// here), READY=1 once serving, graceful shutdown on SIGTERM (STOPPING=1), and an exit
// status systemd understands when start-up fails.
import Glibc
import Logging
import MailCore
import PosixFile
import ServiceLifecycle
import Systemd

public enum Daemon {
    /// Runs a daemon until SIGTERM or SIGINT.
    /// - Parameters:
    ///   - identifier: the program name (`SYSLOG_IDENTIFIER`).
    ///   - setup: opens the listeners and builds the services; READY=1 is sent after it returns.
    /// - Returns: never; exits 0 after a graceful stop, 78 (EX_CONFIG) for a bad
    ///   configuration, 71 (EX_OSERR) when the sockets cannot be opened.
    public static func run(identifier: String,
                           setup: (DaemonContext, ListenSockets, Logger) async throws -> (services: [any Service], status: String)) async -> Never {
        LoggingSetup.bootstrap(identifier: identifier)
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
            Notifier().ready(status: status)
            logger.info("ready", metadata: ["status": "\(status)"])
            try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
            exit(0)
        } catch {
            logger.critical("daemon failed", metadata: ["error": "\(error)"])
            exit(71)
        }
    }
}
