// One DELIVER after its content is spooled: each recipient is expanded through the aliases
// (LocalRecipients), a message already carrying our Delivered-To for a destination is a
// loop (554 5.4.6, as Postfix and qmail do), each mailbox gets one copy written by
// tern-local as its owner, and remote addresses of aliases are queued again. The results
// of a recipient's destinations make its one reply: temporary if any is (the queue retries;
// copies already placed are found again), else permanent if any is, else delivered.
import Glibc
import Logging
import MailCore
import MailWire

/// Local delivery of spooled messages.
struct LocalDelivery: Sendable {
    let directory: RecipientDirectory
    let configuration: Configuration
    let mailRoot: String
    let helper: MailboxHelper
    let forwarder: MessageForwarder
    let logger: Logger
    private let executor = BlockingExecutor()

    init(directory: RecipientDirectory, configuration: Configuration, mailRoot: String,
         helper: MailboxHelper, forwarder: MessageForwarder, logger: Logger) {
        self.directory = directory
        self.configuration = configuration
        self.mailRoot = mailRoot
        self.helper = helper
        self.forwarder = forwarder
        self.logger = logger
    }

    /// What happened to one recipient's destinations.
    private struct Outcome {
        var results: [Reply] = []
        var failures: [Reply] = []

        func reply(for address: String) -> Reply {
            let all = results + failures
            if let temporary = all.first(where: \.isTemporary) { return temporary }
            let done = results.filter { $0.replyClass == 2 }.count
            if let permanent = all.first(where: \.isPermanent) {
                guard done > 0 else { return permanent }
                return Reply(permanent.code, permanent.enhanced, permanent.lines.joined(separator: " ") + " (\(done) other destination(s) delivered)")
            }
            guard let first = results.first else { return .unknownUser(address) }
            return results.count == 1 ? first : Reply(250, "2.0.0", results.map { $0.lines.joined(separator: " ") }.joined(separator: "; "))
        }
    }

    /// One mailbox to write, for the recipients that lead to it.
    private struct MailboxJob {
        var deliveredTo: String
        var recipients: [Int]
        var lookForEarlierCopy: Bool
    }

    /// Delivers `spool` to every recipient of `request`.
    /// - Returns: one reply per recipient, in request order.
    func deliver(_ request: DeliveryRequest, spool: MessageSpool) async -> [Reply] {
        let prepared: (LocalRecipients, Set<String>)
        do {
            prepared = try await executor.run { try (directory.current(), Self.deliveredTo(in: spool)) }
        } catch {
            logger.error("cannot read the aliases or the message", metadata: ["queue.id": "\(request.queueID)", "error": "\(error)"])
            return request.recipients.map { _ in Reply(451, "4.3.0", "local recipients unavailable: \(error)") }
        }
        let (recipients, delivered) = prepared
        var outcomes = Array(repeating: Outcome(), count: request.recipients.count)
        var order: [String] = []
        var mailboxes: [String: MailboxJob] = [:]
        var forwards: [Int: [String]] = [:]
        for (index, address) in request.recipients.enumerated() {
            let expansion = recipients.expand(address)
            outcomes[index].failures = expansion.failures
            for destination in expansion.destinations {
                switch destination {
                case .mailbox(let name, let deliveredTo):
                    if delivered.contains(deliveredTo.lowercased()) {
                        outcomes[index].failures.append(.mailLoop(deliveredTo))
                    } else if mailboxes[name] == nil {
                        order.append(name)
                        mailboxes[name] = MailboxJob(deliveredTo: deliveredTo, recipients: [index],
                                                     lookForEarlierCopy: request.mayBeRedelivery || expansion.destinations.count > 1)
                    } else {
                        mailboxes[name]!.recipients.append(index)
                    }
                case .forward(let target):
                    if delivered.contains(address.lowercased()) {
                        if !outcomes[index].failures.contains(.mailLoop(address)) { outcomes[index].failures.append(.mailLoop(address)) }
                    } else {
                        forwards[index, default: []].append(target)
                    }
                }
            }
        }
        for name in order {
            let job = mailboxes[name]!
            let reply = await deliver(request, spool: spool, to: name, job)
            for index in job.recipients { outcomes[index].results.append(reply) }
        }
        for (index, targets) in forwards.sorted(by: { $0.key < $1.key }) {
            let reply = await forwarder.forward(spool, reversePath: request.reversePath, to: targets, deliveredTo: request.recipients[index])
            outcomes[index].results.append(reply)
        }
        return request.recipients.indices.map { outcomes[$0].reply(for: request.recipients[$0]) }
    }

    /// One copy into the Maildir of local name `name`, written by tern-local as its owner.
    private func deliver(_ request: DeliveryRequest, spool: MessageSpool, to name: String, _ job: MailboxJob) async -> Reply {
        let location: MailboxLocation
        switch MailboxLocation.of(name, mailRoot: mailRoot, configuration: configuration) {
        case .failure(let refusal): return refusal.reply
        case .success(let found): location = found
        }
        let copy = DeliveryRequest(queueID: request.queueID, reversePath: request.reversePath, arrival: request.arrival,
                                   mayBeRedelivery: job.lookForEarlierCopy, recipients: [job.deliveredTo])
        do {
            let content = try await executor.run { try spool.openReadOnly() }
            defer { _ = close(content) }
            return try await helper.run(location, content: content) { peer in
                let id = peer.nextRequestID()
                try await peer.send(.deliver(copy), requestID: id)
                switch try await peer.expect().message {
                case .delivered(let replies) where replies.count == 1: return replies[0]
                case let other: throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            logger.error("the delivery helper failed", metadata: ["queue.id": "\(request.queueID)", "mailbox": "\(name)", "error": "\(error)"])
            return Reply(451, "4.3.0", "local delivery helper failed: \(error)")
        }
    }

    /// The Delivered-To fields of the message's header section, lower case, without `<>`.
    private static func deliveredTo(in spool: MessageSpool) throws -> Set<String> {
        let head = try spool.read(at: 0, count: 262_144)
        var found: Set<String> = []
        for field in HeaderSection.fields(head.readableBytesView) where field.name.lowercased() == "delivered-to" {
            var value = field.value
            if value.hasPrefix("<") && value.hasSuffix(">") { value = String(value.dropFirst().dropLast()) }
            found.insert(value.lowercased())
        }
        return found
    }
}
