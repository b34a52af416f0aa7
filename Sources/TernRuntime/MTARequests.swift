// tern-mtad's MailWire requests: ENQUEUE (durable acceptance, protocols/mailwire.md
// §ENQUEUE) and the queue verbs (QUEUE_LIST, QUEUE_SHOW, QUEUE_CONTROL, QUEUE_VERIFY).
// QUEUED is sent only after the message is durable: delivered into every recipient's
// Maildir (direct delivery), or else in a queue file fsynced with its directory; any
// failure before that is ERROR 451 4.3.0 (452 4.3.1 when out of space, RFC 3463 §3.4).
import Glibc
import Logging
import MailCore
import MailWire
import PosixFile
import Queue

/// Answers MailWire requests to the queue manager.
public struct MTARequests: Sendable {
    let store: QueueStore
    let manager: QueueManager
    let direct: DirectDelivery?
    let executor = BlockingExecutor()
    let configuration: Configuration
    let logger: Logger
    /// The queue is on a local file system: its free-space check runs on the event loop
    /// (`FileSystem.allowsCallsOnEventLoop`).
    let queueIsLocal: Bool

    /// - Parameter direct: delivers local mail before it is queued; nil queues every message.
    public init(store: QueueStore, manager: QueueManager, direct: DirectDelivery?, configuration: Configuration, logger: Logger) {
        self.store = store
        self.manager = manager
        self.direct = direct
        self.configuration = configuration
        self.logger = logger
        queueIsLocal = FileSystem.allowsCallsOnEventLoop(store.directory, subject: "the queue", work: "free-space checks", logger: logger)
    }

    /// Handles one request from a peer whose uid is `peerUID`. Anyone may list and show the
    /// queue (as anyone may run mailq); only root and the Tern daemons' user may enqueue,
    /// control or verify it (postsuper is root's).
    /// - Throws: `MailWireError` for a message that does not start a request here.
    public func handle(_ message: Message, requestID: UInt32, peer: MailWirePeer, peerUID: UInt32?) async throws {
        switch message {
        case .enqueue(let envelope):
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                try await peer.send(.error(Reply(550, "5.7.1", "permission denied: submit through tern-submitd")), requestID: requestID)
                return
            }
            try await enqueue(envelope, requestID: requestID, peer: peer)
        case .queueList:
            try await peer.send(.queueListing(await manager.summaries()), requestID: requestID)
        case .queueShow(let id):
            try await peer.send(answer(await manager.detail(id), Message.queueDetail), requestID: requestID)
        case .queueControl(let action, let id):
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                return try await peer.send(.error(Self.operatorOnly), requestID: requestID)
            }
            try await peer.send(answer(await manager.control(action, id: id)) { .ok("\(action.name): \($0) message(s)") }, requestID: requestID)
        case .queueVerify:
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                return try await peer.send(.error(Self.operatorOnly), requestID: requestID)
            }
            try await peer.send(answer(await manager.verify(), Message.queueReport), requestID: requestID)
        default:
            throw MailWireError.unexpected(message.type)
        }
    }

    private func answer<T>(_ result: Result<T, ReplyError>, _ success: (T) -> Message) -> Message {
        switch result {
        case .success(let value): success(value)
        case .failure(let refusal): .error(refusal.reply)
        }
    }

    private func enqueue(_ envelope: Envelope, requestID: UInt32, peer: MailWirePeer) async throws {
        let now = wallClockMicroseconds()
        let id = manager.nextQueueID(microseconds: now)
        // The space check (`452 4.3.1` when the declared size would leave less than
        // `queue_minimum_free`, before any content). On a local file system statvfs reads
        // what the kernel keeps in memory (ext4, xfs, tmpfs: counters; btrfs takes a lock),
        // so it runs here, without a trip to the blocking pool (two thread wake-ups per
        // message); on a network file system it runs off the event loop, where a hung
        // server stalls no other connection. A local file system on a hung block device
        // stalls the loop's writes anyway.
        let (directory, minimumFree) = (store.directory, configuration.queueMinimumFree + envelope.declaredSize)
        let check = { @Sendable in FileSystem.availableSpace(directory).map { $0 < minimumFree } ?? false }
        let short = queueIsLocal ? check() : ((try? await executor.run(check)) ?? false)
        if short {
            logger.warning("refusing a message: the queue file system is short of space", metadata: ["queue.id": "\(id)", "reply": "\(Reply.queueFull)"])
            try await peer.send(.error(.queueFull), requestID: requestID)
            return
        }
        let incoming = store.create(QueueFile.Header(queueID: id, arrival: Int64(now / 1_000_000), envelope: envelope))
        try await peer.send(.queueID(id), requestID: requestID)
        var failure: Reply?
        do {
            while true {
                switch try await peer.expect().message {
                case .chunk(let content):
                    guard failure == nil, incoming.hold(content) else { continue }
                    do {
                        try await executor.run { try incoming.writeHeld() }
                    } catch {
                        logger.error("queue file write failed", metadata: ["queue.id": "\(id)", "error": "\(error)"])
                        failure = Self.reply(for: error)
                    }
                case .commit(let total):
                    if failure == nil && total != incoming.contentLength { throw MailWireError.malformedPayload(.commit) }
                    if let failure {
                        try await peer.send(.error(failure), requestID: requestID)
                        return
                    }
                    try await commit(incoming, requestID: requestID, peer: peer)
                    return
                case .abort:
                    incoming.abort()
                    try await peer.send(.ok("aborted"), requestID: requestID)
                    return
                case let other:
                    throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            // The client went away or broke the protocol: the message was never confirmed.
            incoming.abort()
            throw error
        }
    }

    /// Delivers `incoming` directly or commits it to the queue, then answers QUEUED. Log
    /// entries name the queue ID in their own metadata: setting it in the logger's would
    /// make swift-log's stream handler format that anew for every message.
    private func commit(_ incoming: IncomingMessage, requestID: UInt32, peer: MailWirePeer) async throws {
        let envelope = incoming.header.envelope
        let id = incoming.header.queueID
        let attempt = await direct?.attempt(incoming)
        if let replies = attempt, replies.allSatisfy({ $0.replyClass == 2 }) {
            incoming.abort()
            manager.logDelivered(incoming.header, replies: replies)
            try await peer.send(.queued(incoming.header.queueID), requestID: requestID)
            return
        }
        do {
            try await store.commit(incoming)
        } catch {
            logger.error("queue file commit failed; the message was not accepted", metadata: ["queue.id": "\(id)", "error": "\(error)"])
            try await peer.send(.error(Self.reply(for: error)), requestID: requestID)
            return
        }
        logger.info("queued", metadata: [
            "queue.id": "\(id)", "event": "\(MailEvent.queued)", "rcpt.to": "\(envelope.recipients.joined(separator: ","))",
            "mail.from": "\(envelope.reversePath)", "rcpt.count": "\(envelope.recipients.count)",
            "size": "\(incoming.contentLength)",
        ])
        // The scheduler knows the message before the client hears QUEUED, so `mailctl queue`
        // shows every message that was answered 250.
        if let replies = attempt {
            await manager.add(incoming.stored, attempted: replies)
        } else {
            await manager.add(incoming.stored, state: nil, recovered: false)
        }
        try await peer.send(.queued(incoming.header.queueID), requestID: requestID)
    }

    static let operatorOnly = Reply(550, "5.7.1", "permission denied: queue control is for root")

    /// Out of space is `452 4.3.1` (RFC 3463: mail system full); every other failure is
    /// `451 4.3.0`.
    static func reply(for error: any Error) -> Reply {
        if let error = error as? FileError, error.isOutOfSpace { return .queueFull }
        return .notDurable
    }

    private func wallClockMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec / 1000)
    }
}
