// tern-mtad's scheduler: knows every queued message, hands due ones to delivery, applies
// and saves the per-recipient results, retries temporary failures with backoff, expires
// messages past the queue lifetime, sends delay warnings and failure reports (RFC 3464),
// and removes a message once every recipient is done. Time comes from an injected clock.
import Logging
import MailCore
import Synchronization

/// Performs one delivery attempt for some recipients of a stored message.
public protocol DeliveryAgent: Sendable {
    /// - Returns: one reply per recipient of `request`, in order. Failures of the agent
    ///   itself are replies too (`451 4.3.0`), never thrown.
    func deliver(_ request: DeliveryRequest, message: StoredMessage) async -> [Reply]
}

/// The active queue.
public actor QueueManager {
    /// Scheduling settings (tern.conf keys in `Configuration`).
    public struct Settings: Sendable {
        public var concurrency: Int
        public var retry: RetrySchedule
        public var localDomains: Set<String>
        /// Seconds a message may stay queued before its open recipients fail (RFC 5321 §4.5.4.1).
        public var lifetime: Int64
        /// Seconds after arrival when a delay warning is sent; 0 = never.
        public var delayWarning: Int64
        /// This host's name, for reports.
        public var hostname: String

        public init(concurrency: Int, retry: RetrySchedule, localDomains: Set<String>, lifetime: Int64 = 5 * 86_400,
                    delayWarning: Int64 = 4 * 3600, hostname: String = "localhost") {
            self.concurrency = max(1, concurrency)
            self.retry = retry
            self.localDomains = localDomains
            self.lifetime = max(1, lifetime)
            self.delayWarning = max(0, delayWarning)
            self.hostname = hostname
        }
    }

    let store: QueueStore
    let runner: any BlockingRunner
    private let agent: any DeliveryAgent
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Int64
    var entries: [QueueID: QueueEntry] = [:]
    /// Behind its own lock, not the actor: every ENQUEUE takes an ID, and a trip to the
    /// actor's executor and back would cost two thread wake-ups per message.
    private let ids = Mutex(QueueIDGenerator())
    private var running = 0
    private var saving: [QueueID: Task<Void, Never>] = [:]

    /// - Parameters:
    ///   - runner: runs the blocking file I/O (state files, reports, removal).
    ///   - now: the wall clock in Unix seconds (injected so tests control time).
    public init(store: QueueStore, runner: any BlockingRunner, agent: any DeliveryAgent, settings: Settings, logger: Logger,
                now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.runner = runner
        self.agent = agent
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// A new queue ID, unique and later than every earlier one of this process.
    /// - Parameter microseconds: the wall clock in microseconds since the epoch.
    public nonisolated func nextQueueID(microseconds: UInt64) -> QueueID {
        ids.withLock { $0.next(now: microseconds, random: UInt32.random(in: 0...UInt32.max)) }
    }

    /// Adds a committed message (or one found by the start-up scan) and starts delivery.
    /// - Parameter state: the saved state of a recovered message, nil for a fresh one.
    public func add(_ message: StoredMessage, state: MessageState?, recovered: Bool) {
        entries[message.header.queueID] = QueueEntry(message: message, state: state, recovered: recovered)
        dispatch()
    }

    /// True when no job runs (tests wait for this after moving the clock).
    public var isIdle: Bool { running == 0 }

    /// Queue depth, for `STATUS=`.
    public var depth: Int { entries.count }

    /// Starts deliveries and housekeeping for due messages while there is capacity;
    /// returns the earliest future attempt time (Unix seconds), or nil when nothing waits.
    @discardableResult
    public func dispatch() -> Int64? {
        let time = now()
        var earliest: Int64?
        for id in entries.keys.sorted() where running < settings.concurrency {
            guard var entry = entries[id], !entry.inFlight else { continue }
            if !entry.state.held && !entry.openRecipients.isEmpty && entry.isExpired(now: time, lifetime: settings.lifetime) {
                entry.expire(Reply(554, "5.4.7", "delivery time expired after \(settings.lifetime / 3600) hours"))
                logger.warning("queue lifetime expired", metadata: ["queue.id": "\(id)", "dsn.status": "5.4.7", "event": "\(MailEvent.expired)"])
            }
            if needsHousekeeping(entry, now: time) {
                start(id, &entry) { await $0.settle(id) }
            } else if entry.isDue(now: time, schedule: settings.retry) {
                startDelivery(id, &entry)
            } else if !entry.state.held && !entry.openRecipients.isEmpty {
                earliest = min(earliest ?? entry.state.nextAttempt, entry.state.nextAttempt)
            }
        }
        return earliest
    }

    private func needsHousekeeping(_ entry: QueueEntry, now: Int64) -> Bool {
        if entry.state.held || now < entry.housekeepingNotBefore { return false }
        return entry.isFinished || !entry.unreportedFailures.isEmpty || delayWarningDue(entry, now: now)
    }

    func delayWarningDue(_ entry: QueueEntry, now: Int64) -> Bool {
        settings.delayWarning > 0 && !entry.state.delayWarned && !entry.header.envelope.reversePath.isEmpty
            && now - entry.header.arrival >= settings.delayWarning
            && entry.openRecipients.contains { entry.header.envelope.dsn(ofRecipient: $0).notify.reportsDelay }
    }

    private func start(_ id: QueueID, _ entry: inout QueueEntry, job: @escaping @Sendable (QueueManager) async -> Void) {
        entry.inFlight = true
        entries[id] = entry
        running += 1
        Task {
            await job(self)
            self.jobEnded(id)
        }
    }

    private func jobEnded(_ id: QueueID) {
        running -= 1
        entries[id]?.inFlight = false
        dispatch()
    }

    private func startDelivery(_ id: QueueID, _ entry: inout QueueEntry) {
        // The agent routes each recipient: local domains to tern-deliverd, others over SMTP.
        let recipients = entry.openRecipients
        let header = entry.header
        let request = DeliveryRequest(
            queueID: id, reversePath: header.envelope.reversePath, arrival: header.arrival,
            mayBeRedelivery: entry.mayBeRedelivered, recipients: recipients.map { header.envelope.recipients[$0] })
        let message = entry.message
        start(id, &entry) { [agent] manager in
            let replies = request.recipients.isEmpty ? [] : await agent.deliver(request, message: message)
            await manager.finish(id, recipients: recipients, replies: replies)
            await manager.settle(id)
        }
    }

    private func finish(_ id: QueueID, recipients: [Int], replies: [Reply]) async {
        guard var entry = entries[id] else { return }
        entry.record(replies, for: recipients, now: now(), schedule: settings.retry)
        entries[id] = entry
        logOutcomes(entry.header, outcomes(of: entry, recipients: recipients, replies: replies))
        // A message whose every recipient is delivered is removed next (settle); its state
        // file would be written, fsynced twice and deleted at once. A crash before the
        // removal delivers it again, which the Maildir writer recognises by name (the entry
        // comes back with mayBeRedelivered) and RFC 5321 §6.1 allows for relays.
        let delivered = !entry.state.held && entry.state.recipients.allSatisfy { $0.state == .delivered }
        if !delivered { await persist(id) }
    }

    /// Adds a committed message after an attempt made before it was queued (tern-mtad's
    /// direct local delivery), with one reply per recipient, in order: delivered recipients
    /// stay delivered, failures are reported, temporary ones retried with backoff. As after
    /// any attempt (`finish`), the state is saved before this returns, so QUEUED may follow.
    public func add(_ message: StoredMessage, attempted replies: [Reply]) async {
        let id = message.header.queueID
        entries[id] = QueueEntry(message: message, state: nil, recovered: true)
        await finish(id, recipients: Array(message.header.envelope.recipients.indices), replies: replies)
        dispatch()
    }

    /// Logs that every recipient of a message delivered before it was queued (all replies
    /// 2xx) is delivered; the queue never holds that message.
    public nonisolated func logDelivered(_ header: QueueFile.Header, replies: [Reply]) {
        logOutcomes(header, replies.enumerated().map { ($0.offset, $0.element, .delivered) })
    }

    private func outcomes(of entry: QueueEntry, recipients: [Int], replies: [Reply]) -> [(Int, Reply, RecipientState)] {
        recipients.enumerated().map { index, recipient in
            (recipient, index < replies.count ? replies[index] : Reply.queueUnavailable, entry.state.recipients[recipient].state)
        }
    }

    /// One journal entry per recipient of an attempt: (recipient index, reply, new state).
    private nonisolated func logOutcomes(_ header: QueueFile.Header, _ outcomes: [(Int, Reply, RecipientState)]) {
        let delay = now() - header.arrival
        for (recipient, reply, status) in outcomes {
            let address = header.envelope.recipients[recipient]
            let remote = MailAddress.remoteDomain(of: address, localDomains: settings.localDomains) != nil
            let metadata: Logger.Metadata = [
                "queue.id": "\(header.queueID)", "rcpt.to": "\(address)",
                "dsn.status": "\(reply.enhanced)", "delay": "\(delay)",
                "delivery.status": "\(status == .delivered ? "sent" : status == .bounced ? "bounced" : "deferred")",
                "event": "\(MailEvent(outcome: status))", "relay": "\(remote ? "smtp" : "tern-deliverd")",
            ]
            switch status {
            case .delivered: logger.info("delivered", metadata: metadata)
            case .bounced: logger.error("delivery failed permanently: \(reply)", metadata: metadata)
            default: logger.warning("delivery deferred: \(reply)", metadata: metadata)
            }
        }
    }

    /// Saves the in-memory state of `id`; saves of one message run in call order, so an
    /// older snapshot never replaces a newer one. A failed save is logged: the state
    /// on disk is then older, which only means a retry (idempotent) after a crash.
    func persist(_ id: QueueID) async {
        guard let state = entries[id]?.state else { return }
        let previous = saving[id]
        let task = Task { [store, runner, logger] in
            await previous?.value
            do {
                try await runner.run { try store.saveState(state, of: id) }
            } catch {
                logger.error("cannot save the queue state", metadata: ["queue.id": "\(id)", "error": "\(error)"])
            }
        }
        saving[id] = task
        await task.value
        if saving[id] == task { saving[id] = nil }
    }
}
