// One DELIVER after its content is spooled: the plan (DeliveryPlan) is carried out, each
// mailbox copy written by tern-local as the mailbox's owner (the content streamed to it as
// CHUNK frames), the remote addresses of aliases queued again through tern-mtad.
import Glibc
import Logging
import MailCore
import MailWire

/// Local delivery of spooled messages.
struct LocalDelivery: Sendable {
    let directory: RecipientDirectory
    let configuration: Configuration
    let mailRoot: String
    let helpers: MailboxHelperPool
    let forwarder: MessageForwarder
    let logger: Logger
    let executor = BlockingExecutor()

    /// Delivers `spool` to every recipient of `request`.
    /// - Returns: one reply per recipient, in request order.
    func deliver(_ request: DeliveryRequest, spool: MessageSpool) async -> [Reply] {
        let plan: DeliveryPlan
        let locations: [Result<MailboxLocation, ReplyError>]
        do {
            // The account lookups (getpwnam) read files: here, with the aliases, not on an async thread.
            (plan, locations) = try await executor.run { [directory, mailRoot, configuration] in
                let plan = try DeliveryPlan(request, recipients: directory.current(), deliveredTo: Self.deliveredTo(in: spool))
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
        do {
            // A helper that could not deliver (its mailbox broken, not owned) is not kept.
            return try await helpers.withHelper(location, create: true, reuse: { $0.replyClass == 2 }) { helper in
                let id = helper.nextRequestID()
                return try await helper.run { channel in
                    // Frames leave in writes of up to four chunks: a small message is one write.
                    var frames: [Message] = [.deliver(single)]
                    var offset: UInt64 = 0
                    while case let piece = try spool.read(at: offset, count: Frame.maximumChunk), piece.readableBytes > 0 {
                        if frames.count >= 4 {
                            try channel.send(frames, requestID: id)
                            frames = []
                        }
                        frames.append(.chunk(piece))
                        offset += UInt64(piece.readableBytes)
                    }
                    try channel.send(frames + [.end(offset)], requestID: id)
                    switch try channel.receive()?.0 {
                    case .delivered(let replies)? where replies.count == 1: return replies[0]
                    case let other?: throw MailWireError.unexpected(other.type)
                    case nil: throw MailWireClosed()
                    }
                }
            }
        } catch {
            logger.error("the delivery helper failed", metadata: ["queue.id": "\(request.queueID)", "mailbox": "\(copy.name)", "error": "\(error)"])
            return Reply(451, "4.3.0", "local delivery helper failed: \(error)")
        }
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
