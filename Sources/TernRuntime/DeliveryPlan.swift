// What one DELIVER comes to before anything is written, decided without I/O: each
// recipient expanded through the aliases, each mailbox once (for every recipient that
// leads to it), remote addresses of aliases to forward, and the loops refused: a message
// already carrying our Delivered-To for a destination is 554 5.4.6 (as Postfix and qmail
// do). Then the results of a recipient's destinations make its one reply.
import MailCore

/// The work of one DELIVER.
struct DeliveryPlan: Equatable {
    /// One copy into the Maildir of local name `name`.
    struct MailboxCopy: Equatable {
        var name: String
        /// The address its Delivered-To field names.
        var deliveredTo: String
        /// The indexes of the request's recipients that lead here.
        var recipients: [Int]
        /// Look for a copy an earlier attempt may have placed (a retry, or a recipient with
        /// several destinations, some of which may have been done before).
        var lookForEarlierCopy: Bool
    }

    /// Addresses an alias recipient forwards to, queued again as one message.
    struct Forward: Equatable {
        var recipient: Int
        var addresses: [String]
    }

    private(set) var mailboxes: [MailboxCopy] = []
    private(set) var forwards: [Forward] = []
    /// Per recipient: what failed already (unknown targets, alias cycles, loops).
    private(set) var failures: [[Reply]]

    /// - Parameter deliveredTo: the message's Delivered-To addresses, lower case.
    init(_ request: DeliveryRequest, recipients: LocalRecipients, deliveredTo: Set<String>) {
        failures = Array(repeating: [], count: request.recipients.count)
        for (index, address) in request.recipients.enumerated() {
            let expansion = recipients.expand(address)
            failures[index] = expansion.failures
            var remote: [String] = []
            for destination in expansion.destinations {
                switch destination {
                case .mailbox(let name, let target):
                    if deliveredTo.contains(target.lowercased()) {
                        failures[index].append(.mailLoop(target))
                    } else if let existing = mailboxes.firstIndex(where: { $0.name == name }) {
                        mailboxes[existing].recipients.append(index)
                    } else {
                        mailboxes.append(MailboxCopy(name: name, deliveredTo: target, recipients: [index],
                                                     lookForEarlierCopy: request.mayBeRedelivery || expansion.destinations.count > 1))
                    }
                case .forward(let target):
                    remote.append(target)
                }
            }
            guard !remote.isEmpty else { continue }
            if deliveredTo.contains(address.lowercased()) {
                failures[index].append(.mailLoop(address))
            } else {
                forwards.append(Forward(recipient: index, addresses: remote))
            }
        }
    }

    /// One recipient's reply from its destinations' `results` and its `failures`:
    /// temporary if any is (the queue retries; copies already placed are found again),
    /// else permanent if any is, else delivered.
    static func reply(for address: String, results: [Reply], failures: [Reply]) -> Reply {
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
