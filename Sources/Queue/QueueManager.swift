// tern-mtad's scheduler: knows every queued message, hands due ones to delivery, applies
// the per-recipient results, retries temporary failures with backoff and removes a
// message once every recipient is done.
import Logging
import MailCore

/// Performs one delivery attempt for some recipients of a stored message.
public protocol DeliveryAgent: Sendable {
    /// - Returns: one reply per recipient of `request`, in order. Failures of the agent
    ///   itself are replies too (`451 4.3.0`), never thrown.
    func deliver(_ request: DeliveryRequest, message: StoredMessage) async -> [Reply]
}

/// The active queue.
public actor QueueManager {
    /// Scheduling settings.
    public struct Settings: Sendable {
        public var concurrency: Int
        public var retry: RetrySchedule
        public var localDomains: Set<String>
        public init(concurrency: Int, retry: RetrySchedule, localDomains: Set<String>) {
            self.concurrency = max(1, concurrency)
            self.retry = retry
            self.localDomains = localDomains
        }
    }

    private let store: QueueStore
    private let agent: any DeliveryAgent
    private let settings: Settings
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let removeFile: @Sendable (QueueID) async -> Void
    private var entries: [QueueID: QueueEntry] = [:]
    private var ids = QueueIDGenerator()
    private var running = 0

    /// - Parameters:
    ///   - now: the wall clock in Unix seconds (injected so tests control time).
    ///   - removeFile: removes a finished message's file (off the async threads).
    public init(store: QueueStore, agent: any DeliveryAgent, settings: Settings, logger: Logger,
                now: @escaping @Sendable () -> Int64, removeFile: @escaping @Sendable (QueueID) async -> Void) {
        self.store = store
        self.agent = agent
        self.settings = settings
        self.logger = logger
        self.now = now
        self.removeFile = removeFile
    }

    /// A new queue ID, unique and later than every earlier one of this process.
    /// - Parameter microseconds: the wall clock in microseconds since the epoch.
    public func nextQueueID(microseconds: UInt64) -> QueueID {
        ids.next(now: microseconds, random: UInt32.random(in: 0...UInt32.max))
    }

    /// Adds a committed message (or one found by the start-up scan) and starts delivery.
    public func add(_ message: StoredMessage, recovered: Bool) {
        entries[message.header.queueID] = QueueEntry(message: message, recovered: recovered)
        dispatch()
    }

    /// Messages in the queue, in arrival order.
    public func summaries() -> [QueueSummary] {
        entries.values.sorted { $0.message.header.queueID < $1.message.header.queueID }.map { entry in
            let header = entry.message.header
            return QueueSummary(
                queueID: header.queueID, size: entry.message.contentLength, arrival: header.arrival,
                reversePath: header.envelope.reversePath, nextAttempt: entry.nextAttempt,
                recipients: header.envelope.recipients.indices.map {
                    .init(address: header.envelope.recipients[$0], state: entry.states[$0], lastReply: entry.lastReplies[$0])
                })
        }
    }

    /// Queue depth and the time of the next retry, for `STATUS=`.
    public var depth: Int { entries.count }

    /// Starts deliveries for due messages while there is capacity; returns the earliest
    /// future attempt time (Unix seconds), or nil when nothing waits.
    @discardableResult
    public func dispatch() -> Int64? {
        let time = now()
        var earliest: Int64?
        for id in entries.keys.sorted() where running < settings.concurrency {
            guard var entry = entries[id], !entry.inFlight else { continue }
            if entry.nextAttempt > time {
                earliest = min(earliest ?? entry.nextAttempt, entry.nextAttempt)
                continue
            }
            entry.inFlight = true
            entries[id] = entry
            running += 1
            let message = entry.message
            let recipients = route(&entry)
            let request = DeliveryRequest(
                queueID: id, reversePath: message.header.envelope.reversePath, arrival: message.header.arrival,
                mayBeRedelivery: entry.mayBeRedelivered, recipients: recipients.map { message.header.envelope.recipients[$0] })
            Task { [agent] in
                let replies = request.recipients.isEmpty ? [] : await agent.deliver(request, message: message)
                await self.finish(id, recipients: recipients, replies: replies)
            }
        }
        return earliest
    }

    /// Recipients in local domains go to local delivery; others cannot be relayed yet and
    /// are bounced now, with the reason logged (never dropped silently).
    private func route(_ entry: inout QueueEntry) -> [Int] {
        var local: [Int] = []
        for index in entry.openRecipients {
            let address = entry.message.header.envelope.recipients[index]
            let domain = MailAddress.domain(of: address)
            if domain == nil || settings.localDomains.contains(domain!) {
                local.append(index)
            } else {
                entry.states[index] = .bounced
                entry.lastReplies[index] = Reply(550, "5.4.4", "relaying to \(domain!) is not supported yet").description
                logger.error("cannot relay to a remote domain yet", metadata: [
                    "queue.id": "\(entry.message.header.queueID)", "rcpt.to": "\(address)", "dsn.status": "5.4.4",
                    "event": "\(MailEvent.bounced)",
                ])
            }
        }
        return local
    }

    private func finish(_ id: QueueID, recipients: [Int], replies: [Reply]) async {
        running -= 1
        guard var entry = entries[id] else { return }
        let time = now()
        entry.record(replies, for: recipients, now: time, schedule: settings.retry)
        for (index, recipient) in recipients.enumerated() {
            let reply = index < replies.count ? replies[index] : Reply.queueUnavailable
            let status = entry.states[recipient]
            let metadata: Logger.Metadata = [
                "queue.id": "\(id)", "rcpt.to": "\(entry.message.header.envelope.recipients[recipient])",
                "dsn.status": "\(reply.enhanced)", "delay": "\(time - entry.message.header.arrival)",
                "delivery.status": "\(status == .delivered ? "sent" : status == .bounced ? "bounced" : "deferred")",
                "event": "\(MailEvent(outcome: status))", "relay": "tern-deliverd",
            ]
            switch status {
            case .delivered: logger.info("delivered", metadata: metadata)
            case .bounced: logger.error("delivery failed permanently: \(reply)", metadata: metadata)
            default: logger.warning("delivery deferred: \(reply)", metadata: metadata)
            }
        }
        if entry.isFinished {
            entries[id] = nil
            await removeFile(id)
            logger.info("removed from the queue", metadata: ["queue.id": "\(id)", "event": "\(MailEvent.removed)"])
        } else {
            entries[id] = entry
        }
        dispatch()
    }
}
