// tern-submitd's recipient lookup at RCPT time (RFC 5321 §3.3): one RCPT_CHECK to
// tern-deliverd (protocols/mailwire.md), which knows the accounts and aliases, over a
// pooled connection. When it cannot answer, the recipient gets 451 4.3.0 (the client tries
// again), never 250. A recipient found is remembered for a minute, so a busy mailbox does
// not cost a lookup per message; refusals are never remembered.
import MailCore
import MailWire

/// Asks tern-deliverd whether a local address is a recipient. Thread-safe.
public struct RecipientVerifier: Sendable {
    let deliverd: MailWirePool
    /// Addresses found, each taken as found for 60 s without asking again: an account
    /// removed meanwhile gets its mail bounced by tern-deliverd instead of refused at RCPT.
    private let found = RecentAnswers<Void>(lifetime: .seconds(60))

    /// - Parameter deliverd: connections to tern-deliverd's socket, `/run/tern/deliver.sock`.
    public init(deliverd: MailWirePool) { self.deliverd = deliverd }

    /// - Returns: nil when `address` is a recipient here, else the refusal to give at RCPT.
    public func refusal(for address: String) async -> Reply? {
        if found.answer(for: address) != nil { return nil }
        do {
            // A check has no effect, so the pool may ask again on a new connection.
            let refusal: Reply? = try await deliverd.withConnection { peer in
                try await peer.send(.recipientCheck(address), requestID: peer.nextRequestID())
                switch try await peer.expect().message {
                case .ok: return nil
                case .error(let reply): return reply
                case let other: throw MailWireError.unexpected(other.type)
                }
            }
            if refusal == nil { found.keep((), for: address) }
            return refusal
        } catch {
            return .recipientLookupFailed(address)
        }
    }
}
