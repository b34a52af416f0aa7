// The end of a message's life in the queue: failure reports and delay warnings
// (RFC 3464, honouring NOTIFY of RFC 3461 §4.1), never a report to the null reverse-path
// (RFC 5321 §4.5.5: an undeliverable report is held for the postmaster instead), and
// removal once every recipient is done.
import Logging
import MailCore

extension QueueManager {
    /// Sends the reports `id` needs and removes it when it is finished.
    func settle(_ id: QueueID) async {
        guard let entry = entries[id] else { return }
        let time = now()
        let failures = entry.unreportedFailures
        if !failures.isEmpty {
            if entry.header.envelope.reversePath.isEmpty {
                for index in failures { entries[id]?.state.recipients[index].reported = true }
                entries[id]?.state.held = true
                logger.error("undeliverable message from <> kept on hold for the postmaster", metadata: ["queue.id": "\(id)"])
            } else {
                let notify = failures.filter { entry.header.envelope.dsn(ofRecipient: $0).notify.reportsFailure }
                let sent = notify.isEmpty ? true : await sendReport(.failed, about: entry, recipients: notify, now: time)
                guard sent else {
                    entries[id]?.housekeepingNotBefore = time + Int64(settings.retry.minimum)
                    return
                }
                for index in failures { entries[id]?.state.recipients[index].reported = true }
            }
            await persist(id)
        }
        if let current = entries[id], delayWarningDue(current, now: time) {
            let delayed = current.openRecipients.filter { current.header.envelope.dsn(ofRecipient: $0).notify.reportsDelay }
            guard await sendReport(.delayed, about: current, recipients: delayed, now: time) else {
                entries[id]?.housekeepingNotBefore = time + Int64(settings.retry.minimum)
                return
            }
            entries[id]?.state.delayWarned = true
            await persist(id)
        }
        guard let current = entries[id], current.isFinished, !current.state.held else { return }
        await remove(id)
    }

    /// Removes a message's files and forgets it.
    func remove(_ id: QueueID) async {
        entries[id] = nil
        do {
            try await runner.run { [store] in try store.remove(id) }
            logger.info("removed from the queue", metadata: ["queue.id": "\(id)"])
        } catch {
            logger.error("cannot remove a finished queue file", metadata: ["queue.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Writes and commits one report about `entry` and queues it for delivery.
    /// - Returns: false when it could not be made durable (logged; tried again later).
    private func sendReport(_ kind: DeliveryReport.Kind, about entry: QueueEntry, recipients: [Int], now time: Int64) async -> Bool {
        let envelope = entry.header.envelope
        let report = DeliveryReport(
            kind: kind, hostname: settings.hostname, reportID: nextQueueID(microseconds: UInt64(max(time, 0)) * 1_000_000),
            original: entry.header,
            recipients: recipients.map { .init(address: envelope.recipients[$0], reply: entry.reply(of: $0)) },
            now: time, retryUntil: entry.header.arrival + settings.lifetime)
        let metadata: Logger.Metadata = [
            "queue.id": "\(entry.header.queueID)", "report.id": "\(report.reportID)", "mail.from": "\(envelope.reversePath)",
        ]
        do {
            let message = entry.message
            let incoming = try await runner.run { [store] in try store.createReport(report, about: message) }
            try await store.commit(incoming)
            logger.info(kind == .failed ? "failure report queued" : "delay warning queued", metadata: metadata)
            add(incoming.stored, state: nil, recovered: false)
            return true
        } catch {
            logger.error("cannot queue a delivery report", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return false
        }
    }
}
