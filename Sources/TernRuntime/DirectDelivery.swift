// tern-mtad's direct local delivery (protocols/mailwire.md §ENQUEUE): a message whose every
// recipient is local, and whose content is still all in memory at COMMIT, is handed to
// tern-deliverd before tern-mtad answers QUEUED, as an LMTP server stores a message before
// its 250. The Maildir writer fsyncs the message before it answers, so the durability of
// the `250` is the same as through the queue, without the queue file: one file created and
// fsynced per message instead of two. What is not delivered then is queued as usual.
import MailCore
import NIOCore
import Queue

/// Delivers local mail during its ENQUEUE.
public struct DirectDelivery: Sendable {
    /// What a direct attempt gave.
    public enum Outcome: Sendable {
        /// Not for direct delivery: queue the message.
        case notTried
        /// One reply per recipient, in order.
        case answered([Reply])
        /// tern-deliverd gave no answer: queue the message, and look for earlier copies when
        /// delivering it (some recipients may have it already).
        case unknown
    }

    let agent: LocalDeliveryAgent
    let localDomains: Set<String>

    /// - Parameter localDomains: lower-case domains delivered by tern-deliverd.
    public init(agent: LocalDeliveryAgent, localDomains: Set<String>) {
        self.agent = agent
        self.localDomains = localDomains
    }

    /// Delivers `incoming` when every recipient is local and none of its content was
    /// written to the queue yet (so at most `IncomingMessage.writeThreshold` octets).
    public func attempt(_ incoming: IncomingMessage) async -> Outcome {
        let header = incoming.header
        guard let content = incoming.contentInMemory,
              header.envelope.recipients.allSatisfy({ MailAddress.remoteDomain(of: $0, localDomains: localDomains) == nil })
        else { return .notTried }
        let request = DeliveryRequest(queueID: header.queueID, reversePath: header.envelope.reversePath, arrival: header.arrival,
                                      mayBeRedelivery: false, recipients: header.envelope.recipients)
        do {
            return .answered(try await agent.deliver(request, content: content))
        } catch {
            return .unknown
        }
    }
}
