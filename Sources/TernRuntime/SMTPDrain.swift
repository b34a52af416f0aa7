// One SMTP session's part in a graceful shutdown (SIGTERM or idle exit): a session between
// transactions is told `421 4.3.2` and closed at once (RFC 5321 §3.8: the server may close
// with 421 when it must shut down); a session inside a queue transaction finishes it, so
// the client gets its 250 (or error) for the message, and then the 421.
import MailCore
import NIOConcurrencyHelpers

/// Shared between an SMTP session's driver and the shutdown handler. Thread-safe.
final class SMTPDrain: Sendable {
    private enum State {
        case serving
        case inTransaction
        /// Shutdown came during a transaction: 421 once it ends.
        case draining
        case closed
    }

    private let state = NIOLockedValueBox(State.serving)
    /// The reply a session gets when the daemon shuts down.
    let reply: Reply

    init(hostname: String) {
        reply = Reply(421, "4.3.2", "\(hostname) Service shutting down, try again later")
    }

    /// The daemon is shutting down. - Returns: true when the session must get the reply
    /// and be closed now; false when it is inside a transaction (or already closed).
    func shutdown() -> Bool {
        state.withLockedValue { state in
            switch state {
            case .serving:
                state = .closed
                return true
            case .inTransaction:
                state = .draining
                return false
            case .draining, .closed:
                return false
            }
        }
    }

    /// Before a queue transaction. - Returns: false when the session was closed for shutdown.
    func beginTransaction() -> Bool {
        state.withLockedValue { state in
            guard case .serving = state else { return false }
            state = .inTransaction
            return true
        }
    }

    /// After a queue transaction. - Returns: true when shutdown came meanwhile: the
    /// session must now get the reply and close.
    func endTransaction() -> Bool {
        state.withLockedValue { state in
            switch state {
            case .inTransaction:
                state = .serving
                return false
            case .draining:
                state = .closed
                return true
            case .serving, .closed:
                return false
            }
        }
    }
}
