// The operator's view and verbs (Postfix's postqueue -p/-f and postsuper -h/-H/-d/-r):
// list, show, flush, hold, release, delete, requeue, expire and verify, as answered over
// MailWire to `mailctl queue`.
import Logging
import MailCore

extension QueueManager {
    /// Messages in the queue, in arrival order.
    public func summaries() -> [QueueSummary] {
        entries.values.sorted { $0.header.queueID < $1.header.queueID }.map(summary)
    }

    func summary(_ entry: QueueEntry) -> QueueSummary {
        let header = entry.header
        return QueueSummary(
            queueID: header.queueID, size: entry.message.contentLength, arrival: header.arrival,
            reversePath: header.envelope.reversePath, nextAttempt: entry.state.nextAttempt, attempts: entry.state.attempts,
            held: entry.state.held,
            recipients: header.envelope.recipients.indices.map {
                .init(address: header.envelope.recipients[$0], state: entry.state.recipients[$0].state,
                      lastReply: entry.state.recipients[$0].lastReply)
            })
    }

    /// One message in full, or `550 5.1.0`-style refusal when it is not queued.
    public func detail(_ id: QueueID) async -> Result<QueueDetail, ReplyError> {
        guard let entry = entries[id] else { return .failure(Self.notQueued(id)) }
        let message = entry.message
        let headers: String
        do {
            let piece = try await runner.run { [store] in try store.readContent(of: message, from: 0, length: 65_536) }
            let end = QueueStore.endOfHeaders(in: piece, limit: 65_536) ?? piece.readableBytes
            headers = String(decoding: piece.readableBytesView.prefix(end), as: UTF8.self)
        } catch {
            return .failure(ReplyError(.notDurable))
        }
        let envelope = entry.header.envelope
        return .success(QueueDetail(summary: summary(entry), envelopeID: envelope.envelopeID, returnContent: envelope.dsnReturn,
                                    headers: headers))
    }

    /// Applies `action` to message `id` (all messages for `flush` without an ID).
    /// - Returns: how many messages it changed, or the refusal: `501 5.5.4` without an ID,
    ///   `550 5.1.0` for an unknown ID, `451 4.3.0` while a delivery of it runs.
    public func control(_ action: QueueAction, id: QueueID?) async -> Result<Int, ReplyError> {
        guard let id else {
            guard action == .flush else { return .failure(ReplyError(.badArgument("\(action.name) needs a queue ID"))) }
            for key in entries.keys where !(entries[key]!.state.held) { entries[key]!.state.nextAttempt = 0 }
            dispatch()
            return .success(entries.count)
        }
        guard let entry = entries[id] else { return .failure(Self.notQueued(id)) }
        if entry.inFlight && [.delete, .requeue, .expire].contains(action) {
            return .failure(ReplyError(Reply(451, "4.3.0", "message \(id) is being delivered, try again")))
        }
        logger.notice("queue control", metadata: ["queue.id": "\(id)", "action": "\(action.name)"])
        switch action {
        case .flush:
            entries[id]!.state.nextAttempt = 0
        case .hold:
            entries[id]!.state.held = true
        case .release:
            entries[id]!.state.held = false
            entries[id]!.state.nextAttempt = 0
        case .delete:
            await remove(id)
            return .success(1)
        case .requeue:
            var state = entry.state
            for index in state.recipients.indices where state.recipients[index].state == .deferred {
                state.recipients[index].state = .pending
            }
            state.attempts = 0
            state.nextAttempt = 0
            state.held = false
            state.delayWarned = false
            entries[id]!.state = state
            entries[id]!.housekeepingNotBefore = 0
        case .expire:
            entries[id]!.expire(Reply(554, "5.4.7", "expired by the administrator"))
            entries[id]!.state.held = false
        }
        await persist(id)
        dispatch()
        return .success(1)
    }

    /// Checks every queue file not in use in full (checksum included); files that fail
    /// move to `corrupt/` and leave the queue. Earlier quarantined files are listed too.
    public func verify() async -> Result<QueueVerification, ReplyError> {
        let idle = entries.values.filter { !$0.inFlight }.map(\.header.queueID).sorted()
        do {
            let (scan, earlier) = try await runner.run { [store] in (try store.scan(only: idle), try store.quarantined()) }
            var problems: [QueueVerification.Problem] = []
            for (name, reason) in scan.quarantined {
                if let id = QueueID(name) { entries[id] = nil }
                logger.error("moved an invalid queue file to corrupt/", metadata: ["queue.id": "\(name)", "reason": "\(reason)"])
                problems.append(.init(name: name, reason: reason))
            }
            let now = Set(scan.quarantined.map(\.name))
            for name in earlier where !now.contains(name) && !name.hasSuffix(".state") {
                problems.append(.init(name: name, reason: "in corrupt/"))
            }
            for (name, reason) in scan.damagedStates { problems.append(.init(name: name + ".state", reason: reason)) }
            return .success(QueueVerification(checked: UInt32(idle.count), problems: problems))
        } catch {
            logger.error("cannot verify the queue", metadata: ["error": "\(error)"])
            return .failure(ReplyError(.notDurable))
        }
    }

    static func notQueued(_ id: QueueID) -> ReplyError { ReplyError(Reply(550, "5.1.0", "no message \(id) in the queue")) }
}
