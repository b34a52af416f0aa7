// tern-submitd's recipient lookup at RCPT time (RFC 5321 §3.3): one RCPT_CHECK to
// tern-deliverd (protocols/mailwire.md), which knows the accounts and aliases, over a
// pooled connection. When it cannot answer, the recipient gets 451 4.3.0 (the client tries again), never 250.
import MailCore
import MailWire

/// Asks tern-deliverd whether a local address is a recipient.
public struct RecipientVerifier: Sendable {
    let deliverd: MailWirePool

    /// - Parameter deliverd: connections to tern-deliverd's socket, `/run/tern/deliver.sock`.
    public init(deliverd: MailWirePool) { self.deliverd = deliverd }

    /// - Returns: nil when `address` is a recipient here, else the refusal to give at RCPT.
    public func refusal(for address: String) async -> Reply? {
        do {
            // A check has no effect, so the pool may ask again on a new connection.
            return try await deliverd.withConnection { peer in
                try await peer.send(.recipientCheck(address), requestID: peer.nextRequestID())
                switch try await peer.expect().message {
                case .ok: return nil
                case .error(let reply): return reply
                case let other: throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            return .recipientLookupFailed(address)
        }
    }
}
