// Splits a delivery by destination: recipients in local domains (and bare `Postmaster`) go
// to tern-deliverd, the others to the SMTP relay grouped by domain; the replies come back
// in the request's order.
import MailCore
import Queue

/// The queue's delivery agent.
public struct RoutingAgent: DeliveryAgent {
    let local: LocalDeliveryAgent
    let remote: RemoteDeliveryAgent
    let localDomains: Set<String>

    public init(local: LocalDeliveryAgent, remote: RemoteDeliveryAgent, localDomains: Set<String>) {
        self.local = local
        self.remote = remote
        self.localDomains = localDomains
    }

    public func deliver(_ request: DeliveryRequest, message: StoredMessage) async -> [Reply] {
        var groups: [String?: [Int]] = [:]
        for (index, recipient) in request.recipients.enumerated() {
            groups[MailAddress.remoteDomain(of: recipient, localDomains: localDomains), default: []].append(index)
        }
        // The content is read once for every remote domain of the message.
        let scan = groups.keys.contains { $0 != nil } ? await remote.scanContent(message) : nil
        var replies = [Reply](repeating: .queueUnavailable, count: request.recipients.count)
        await withTaskGroup(of: ([Int], [Reply]).self) { group in
            for (domain, indices) in groups {
                var part = request
                part.recipients = indices.map { request.recipients[$0] }
                group.addTask {
                    if let domain { return (indices, await remote.deliver(part, domain: domain, message: message, scan: scan)) }
                    return (indices, await local.deliver(part, message: message))
                }
            }
            for await (indices, partReplies) in group {
                for (index, reply) in zip(indices, partReplies) { replies[index] = reply }
            }
        }
        return replies
    }
}
