// tern-submitd's recipient lookup at RCPT time (RFC 5321 §3.3): one RCPT_CHECK to
// tern-deliverd (protocols/mailwire.md), which knows the accounts and aliases. When it
// cannot answer, the recipient gets 451 4.3.0 (the client tries again), never 250.
import MailCore
import MailWire

/// Asks tern-deliverd whether a local address is a recipient.
public struct RecipientVerifier: Sendable {
    let deliverSocket: String

    /// - Parameter deliverSocket: tern-deliverd's socket, `/run/tern/deliver.sock`.
    public init(deliverSocket: String) { self.deliverSocket = deliverSocket }

    /// - Returns: nil when `address` is a recipient here, else the refusal to give at RCPT.
    public func refusal(for address: String) async -> Reply? {
        do {
            return try await MailWireClient.withConnection(path: deliverSocket, name: "tern-submitd") { peer in
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
