// The requests tern-local serves, one after another, read from fd 3 (protocols/tern-local.md):
// DELIVER, CHUNK*, END → DELIVERED with one result; MAILBOX_LIST → MAILBOX_LISTING;
// MAILBOX_READ → CHUNKs and OK, marking the message seen. Failures are answers (451 4.3.0,
// 452 4.2.2 when the mailbox is full), so tern-deliverd always learns what happened.
// Deliveries sent back to back form a batch (group commit): while another request is
// already waiting, a delivery's copy waits in `tmp/` unsynced and its answer waits too;
// when none is (or the batch holds 64), the copies are fsynced and linked into `new/`
// together (`MaildirWriter.place`), one fsync of `new/` makes them durable, and the answers
// leave together, in request order.
import Glibc
import MailCore
import MailWire
import Maildir
import NIOCore
import PosixFile

final class MailboxRequests {
    let arguments: HelperArguments
    let channel: BlockingFrameChannel
    /// Why the mailbox cannot be served at all (`MailboxOpening.prepare` failed): every
    /// request is answered with it, and the mailbox is never touched.
    private let unusable: (any Error)?
    /// Whether `tmp/` was swept for leftovers in this run (once is enough).
    private var swept = false
    /// The deliveries answered once `new/` is fsynced.
    private var batch = Batch()

    private struct Batch {
        /// The Maildir the batch delivers into, opened by its first delivery.
        var maildir: Maildir?
        /// The deliveries, in request order: each a copy written into `tmp/` or its answer.
        var deliveries: [(written: MaildirWriter.Written, requestID: UInt32)] = []
    }

    /// The most deliveries one batch holds (each holds its `tmp/` file open until the end).
    static let maximumBatch = 64

    /// Prepares the mailbox and drops privileges (`MailboxOpening.prepare`).
    init(arguments: HelperArguments, channel: BlockingFrameChannel) {
        self.arguments = arguments
        self.channel = channel
        do {
            try MailboxOpening.prepare(arguments)
            unusable = nil
        } catch {
            unusable = error
        }
    }

    /// Answers `request`.
    /// - Throws: when the answer cannot be sent, or the request is not one tern-local serves.
    func answer(_ request: Message, requestID: UInt32) throws {
        switch request {
        case .deliver(let delivery) where delivery.recipients.count == 1:
            var content = ChannelContent(channel: channel, requestID: requestID)
            let written = write(delivery, content: &content)
            try content.finish()
            batch.deliveries.append((written, requestID))
            if !channel.hasInputWaiting || batch.deliveries.count >= Self.maximumBatch { try finishBatch() }
        case .mailboxList:
            try finishBatch()
            try channel.send(list(), requestID: requestID)
        case .mailboxRead(_, let number):
            try finishBatch()
            try read(number: Int(number), requestID: requestID)
        default:
            throw MailWireError.unexpected(request.type)
        }
    }

    /// Ends the batch: places its copies in `new/` (`MaildirWriter.place`: each fsynced,
    /// closed and linked), one fsync of `new/` for all of them, then, when `answering`, its
    /// answers in one write. A failed fsync of `new/` turns every 250 of the batch into the
    /// failure: none of those copies is known to be on disk, and each this batch linked is
    /// taken back out of `new/` (`Maildir.commitNew`).
    /// - Parameter answering: false at the end of the stream (no one is left to answer).
    /// - Throws: when the answers cannot be sent.
    func finishBatch(answering: Bool = true) throws {
        guard !batch.deliveries.isEmpty else { return }
        let ended = batch
        batch = Batch()
        let placed = MaildirWriter.place(ended.deliveries.map(\.written))
        var replies = placed.map(\.reply)
        // Every 250, a copy placed now or an earlier one found, holds only once `new/` is fsynced.
        if let maildir = ended.maildir, replies.contains(where: { $0.replyClass == 2 }) {
            do {
                try maildir.commitNew(linked: placed.compactMap(\.linked))
            } catch {
                let failure = MaildirWriter.temporaryFailure(error)
                replies = replies.map { $0.replyClass == 2 ? failure : $0 }
            }
        }
        if answering {
            let answers = zip(replies, ended.deliveries).map { reply, delivery in (Message.delivered([reply]), delivery.requestID) }
            try channel.send(answers)
        }
    }

    private func write(_ request: DeliveryRequest, content: inout ChannelContent) -> MaildirWriter.Written {
        do {
            guard let maildir = try batch.maildir ?? openMaildir(create: true) else { return .answered(Reply(451, "4.3.0", "mailbox not created")) }
            batch.maildir = maildir
            let name = MaildirName.name(arrival: request.arrival, queueID: request.queueID, host: arguments.hostname)
            let written = MaildirWriter.write(
                &content, into: maildir, name: name,
                traceFields: TraceHeaders.delivery(reversePath: request.reversePath, recipient: request.recipients[0]),
                lookForEarlierCopy: request.mayBeRedelivery)
            if !swept {
                maildir.sweepTemporaryFiles(now: Int64(time(nil)))
                swept = true
            }
            return written
        } catch {
            return .answered(MaildirWriter.temporaryFailure(error))
        }
    }

    private func list() -> Message {
        do {
            let listing = Message.mailboxListing(MaildirReader(try openMaildir(create: false)).summaries())
            guard listing.frame(requestID: 0).payload.readableBytes <= Frame.maximumPayload else {
                return .error(Reply(552, "5.3.4", "the listing is larger than one MailWire frame"))
            }
            return listing
        } catch {
            return .error(Reply(451, "4.3.0", "cannot read the mailbox: \(error)"))
        }
    }

    private func read(number: Int, requestID: UInt32) throws {
        let reader: MaildirReader
        let opened: (MaildirReader.Entry, ReadableFile)?
        do {
            reader = MaildirReader(try openMaildir(create: false))
            opened = try reader.open(number: number)
        } catch {
            return try channel.send(.error(Reply(451, "4.3.0", "cannot read the mailbox: \(error)")), requestID: requestID)
        }
        guard let (entry, file) = opened else {
            return try channel.send(.error(Reply(550, "5.2.0", "no message number \(number)")), requestID: requestID)
        }
        var offset: UInt64 = 0
        var piece = [UInt8](repeating: 0, count: Frame.maximumChunk)
        do {
            while true {
                let count = try piece.withUnsafeMutableBytes { raw in Result { () throws(FileError) in try file.read(into: raw, at: offset) } }.get()
                if count == 0 { break }
                offset += UInt64(count)
                try channel.send(.chunk(ByteBuffer(bytes: piece[0..<count])), requestID: requestID)
            }
            try reader.markSeen(entry)
        } catch let failure as ChannelFailure {
            throw failure
        } catch {
            return try channel.send(.error(Reply(451, "4.3.0", "cannot read message \(number): \(error)")), requestID: requestID)
        }
        try channel.send(.ok("\(offset) octets"), requestID: requestID)
    }

    /// The Maildir, opened as its owner; nil when the user has none yet and `create` is false.
    private func openMaildir(create: Bool) throws -> Maildir? {
        if let unusable { throw unusable }
        guard let mailbox = try MailboxOpening.open(arguments, create: create) else { return nil }
        do {
            return try Maildir(mailbox, create: create)
        } catch {
            if !create && error.errno == ENOENT { return nil }
            throw error
        }
    }
}
