// One DELIVER after its content is spooled: the plan (DeliveryPlan) is carried out, each
// mailbox copy written by tern-local as the mailbox's owner (the content streamed to it as
// CHUNK frames, batched with other deliveries into the same mailbox: MailboxDeliveries), the
// remote addresses of aliases queued again through tern-mtad.
import Logging
import MailCore

/// Local delivery of spooled messages.
struct LocalDelivery: Sendable {
    let directory: RecipientDirectory
    let configuration: Configuration
    let mailRoot: String
    let mailboxes: MailboxDeliveries
    let forwarder: MessageForwarder
    let logger: Logger
    let executor = BlockingExecutor()

    /// Delivers `spool` to every recipient of `request`.
    /// - Returns: one reply per recipient, in request order.
    func deliver(_ request: DeliveryRequest, spool: MessageSpool) async -> [Reply] {
        let plan: DeliveryPlan
        let locations: [Result<MailboxLocation, ReplyError>]
        do {
            // On the event loop only when the content is in memory and the recipients are
            // (RecipientDirectory.lookUp); a spool file, the aliases file or the user
            // database is read on a pool thread.
            (plan, locations) = try await directory.lookUp(on: executor, alsoBlocks: !spool.isInMemory) { [mailRoot, configuration] recipients in
                let plan = try DeliveryPlan(request, recipients: recipients, deliveredTo: Self.deliveredTo(in: spool))
                return (plan, plan.mailboxes.map { MailboxLocation.of($0.name, mailRoot: mailRoot, configuration: configuration) })
            }
        } catch {
            logger.error("cannot read the aliases or the message", metadata: ["queue.id": "\(request.queueID)", "error": "\(error)"])
            return request.recipients.map { _ in Reply(451, "4.3.0", "local recipients unavailable: \(error)") }
        }
        var results = Array(repeating: [Reply](), count: request.recipients.count)
        for (copy, location) in zip(plan.mailboxes, locations) {
            let reply: Reply
            switch location {
            case .failure(let refusal): reply = refusal.reply
            case .success(let location): reply = await deliver(request, spool: spool, copy, to: location)
            }
            for index in copy.recipients { results[index].append(reply) }
        }
        for forward in plan.forwards {
            results[forward.recipient].append(await forwarder.forward(
                spool, reversePath: request.reversePath, to: forward.addresses, deliveredTo: request.recipients[forward.recipient]))
        }
        return request.recipients.indices.map {
            DeliveryPlan.reply(for: request.recipients[$0], results: results[$0], failures: plan.failures[$0])
        }
    }

    /// One copy into the Maildir at `location`, written by tern-local as its owner.
    private func deliver(_ request: DeliveryRequest, spool: MessageSpool, _ copy: DeliveryPlan.MailboxCopy,
                         to location: MailboxLocation) async -> Reply {
        let single = DeliveryRequest(queueID: request.queueID, reversePath: request.reversePath, arrival: request.arrival,
                                     mayBeRedelivery: copy.lookForEarlierCopy, recipients: [copy.deliveredTo])
        return await mailboxes.deliver(single, spool: spool, to: location)
    }

    /// The Delivered-To fields of the message's header section, lower case, without `<>`.
    private static func deliveredTo(in spool: MessageSpool) throws -> Set<String> {
        let head = try spool.read(at: 0, count: 262_144)
        var found: Set<String> = []
        for var value in HeaderSection.values(of: "Delivered-To", in: head.readableBytesView) {
            if value.hasPrefix("<") && value.hasSuffix(">") { value = String(value.dropFirst().dropLast()) }
            found.insert(value.lowercased())
        }
        return found
    }
}
