// tern-deliverd's deliveries into mailboxes, batched per mailbox (protocols/tern-local.md
// §Batches): at most `conversations` helper conversations run at once for one mailbox. A
// delivery to a mailbox with no conversation starts one at once; while one runs, a delivery
// waits, and another conversation starts only once `extraBatch` deliveries wait for it
// (each conversation costs an fsync of `new/` and a turn of a helper, worth it for several
// copies, not for one). The next conversation sends every delivery then waiting back to
// back, and tern-local makes their copies durable with one fsync of `new/` (group commit),
// answering each. The delivery whose conversation ends hands it to the
// first one still waiting, whose own task drives the next batch: no task is started here.
// Only messages held in memory (`MessageSpool.memoryLimit`) are batched: a larger one is
// sent on its own, so it never holds up the answers of small ones behind it.
import Logging
import MailCore
import MailWire
import NIOConcurrencyHelpers

/// Local deliveries, one Maildir copy each, grouped into batches per mailbox.
final class MailboxDeliveries: Sendable {
    private struct Delivery: Sendable {
        let request: DeliveryRequest
        /// Read only by the conversation that sends it, while its owner waits.
        let spool: MessageSpool
    }

    /// tern-local answered another request than the next one of the batch.
    private struct AnswerOutOfOrder: Error, CustomStringConvertible {
        let expected: UInt32
        let got: UInt32
        var description: String { "tern-local answered request \(got) where \(expected) was next" }
    }

    /// What a waiting delivery is told: its reply, or to drive the next conversation.
    private enum Turn {
        case answered(Reply)
        case drive
    }

    private struct Waiting {
        let delivery: Delivery
        let turn: CheckedContinuation<Turn, Never>
    }

    private struct Mailbox {
        var waiting: [Waiting] = []
        var conversations = 0
    }

    private let helpers: MailboxHelperPool
    private let conversations: Int
    private let extraBatch: Int
    private let batchLimit: Int
    private let logger: Logger
    private let mailboxes = NIOLockedValueBox([MailboxHelper.Key: Mailbox]())

    /// - Parameters:
    ///   - conversations: helper conversations at once per mailbox (the disk does no more
    ///     fsyncs with more writers; fewer conversations make larger batches).
    ///   - extraBatch: while a conversation runs, the fewest waiting deliveries (a new one
    ///     included) that start another.
    ///   - batchLimit: most deliveries in one conversation.
    init(helpers: MailboxHelperPool, conversations: Int = 2, extraBatch: Int = 3, batchLimit: Int = 16, logger: Logger) {
        self.helpers = helpers
        self.conversations = conversations
        self.extraBatch = extraBatch
        self.batchLimit = batchLimit
        self.logger = logger
    }

    /// Delivers one copy of `spool` into the Maildir at `location` (`request` has exactly
    /// one recipient: the copy's Delivered-To address).
    /// - Returns: tern-local's reply; 451 4.3.0 when the helper failed.
    func deliver(_ request: DeliveryRequest, spool: MessageSpool, to location: MailboxLocation) async -> Reply {
        let delivery = Delivery(request: request, spool: spool)
        guard spool.isInMemory else { return await converse([delivery], to: location)[0] }
        let key = MailboxHelper.Key(location: location, create: true)
        let turn = await withCheckedContinuation { (turn: CheckedContinuation<Turn, Never>) in
            let drive = mailboxes.withLockedValue { mailboxes in
                let mailbox = mailboxes[key, default: Mailbox()]
                let starts = mailbox.conversations == 0
                    || (mailbox.conversations < conversations && mailbox.waiting.count + 1 >= extraBatch)
                guard starts else {
                    mailboxes[key, default: Mailbox()].waiting.append(Waiting(delivery: delivery, turn: turn))
                    return false
                }
                mailboxes[key, default: Mailbox()].conversations += 1
                return true
            }
            if drive { turn.resume(returning: .drive) }
        }
        switch turn {
        case .answered(let reply): return reply
        case .drive: return await drive(delivery, to: location, key: key)
        }
    }

    /// One conversation: `own` and up to `batchLimit - 1` deliveries waiting now; then the
    /// conversation goes to the next waiting delivery, or ends.
    private func drive(_ own: Delivery, to location: MailboxLocation, key: MailboxHelper.Key) async -> Reply {
        let others = mailboxes.withLockedValue { mailboxes -> [Waiting] in
            let taken = Array(mailboxes[key]?.waiting.prefix(batchLimit - 1) ?? [])
            mailboxes[key]?.waiting.removeFirst(taken.count)
            return taken
        }
        let replies = await converse([own] + others.map(\.delivery), to: location)
        for (waiting, reply) in zip(others, replies.dropFirst()) { waiting.turn.resume(returning: .answered(reply)) }
        let next = mailboxes.withLockedValue { mailboxes -> Waiting? in
            if mailboxes[key]?.waiting.isEmpty == false { return mailboxes[key]?.waiting.removeFirst() }
            mailboxes[key]?.conversations -= 1
            if mailboxes[key]?.conversations == 0 { mailboxes[key] = nil }
            return nil
        }
        next?.turn.resume(returning: .drive)
        return replies[0]
    }

    /// Sends `batch` to one helper back to back (small messages in one write) and reads
    /// one DELIVERED per delivery, in order.
    /// - Returns: one reply per delivery; 451 4.3.0 for all when the conversation failed.
    private func converse(_ batch: [Delivery], to location: MailboxLocation) async -> [Reply] {
        do {
            // A helper that could not deliver (its mailbox broken, not owned) is not kept.
            return try await helpers.withHelper(location, create: true, reuse: { $0.allSatisfy { $0.replyClass == 2 } }) { helper in
                let ids = batch.map { _ in helper.nextRequestID() }
                return try await helper.run { channel in
                    // Frames leave in writes of up to four chunks (of any deliveries): a
                    // batch of four small messages is one write.
                    var frames: [(message: Message, requestID: UInt32)] = []
                    var chunks = 0
                    for (delivery, id) in zip(batch, ids) {
                        frames.append((.deliver(delivery.request), id))
                        var offset: UInt64 = 0
                        while case let piece = try delivery.spool.read(at: offset, count: Frame.maximumChunk), piece.readableBytes > 0 {
                            if chunks == 4 {
                                try channel.send(frames)
                                (frames, chunks) = ([], 0)
                            }
                            frames.append((.chunk(piece), id))
                            chunks += 1
                            offset += UInt64(piece.readableBytes)
                        }
                        frames.append((.end(offset), id))
                    }
                    try channel.send(frames)
                    return try ids.map { id in
                        switch try channel.receive() {
                        case let (_, answered)? where answered != id: throw AnswerOutOfOrder(expected: id, got: answered)
                        case (.delivered(let replies), _)? where replies.count == 1: return replies[0]
                        case let (other, _)?: throw MailWireError.unexpected(other.type)
                        case nil: throw MailWireClosed()
                        }
                    }
                }
            }
        } catch {
            // None of the batch is known delivered: each is retried, and finds its copy by name.
            for delivery in batch {
                logger.error("the delivery helper failed", metadata: [
                    "queue.id": "\(delivery.request.queueID)", "rcpt.to": "\(delivery.request.recipients[0])",
                    "batch": "\(batch.count)", "error": "\(error)",
                ])
            }
            return batch.map { _ in Reply(451, "4.3.0", "local delivery helper failed: \(error)") }
        }
    }
}
