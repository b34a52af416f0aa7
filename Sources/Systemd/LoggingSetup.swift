// Chooses the log backend once per executable: the journal when stderr is connected to
// it, plain stderr lines (tests, a terminal, systemd-socket-activate) otherwise.
import Logging

public enum LoggingSetup {
    /// Bootstraps swift-log for a daemon. Call once, first thing in `main`.
    /// - Parameters:
    ///   - identifier: the program name, used as `SYSLOG_IDENTIFIER` and log label.
    ///   - level: the lowest level written; `TERN_LOG_LEVEL` overrides it.
    ///   - catalog: event kind → catalog `MESSAGE_ID` for journal entries.
    public static func bootstrap(identifier: String, level: Logger.Level = .info, catalog: [String: String] = [:]) {
        let configured = ProcessEnvironment.value("TERN_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? level
        if JournalLogHandler.stderrIsJournal {
            LoggingSystem.bootstrap { _ in
                var handler = JournalLogHandler(identifier: identifier, catalog: catalog)
                handler.logLevel = configured
                return handler
            }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = configured
                return handler
            }
        }
    }
}
