// The schedule run with a manual clock: backoff, lifetime expiry, delay warnings, failure
// reports (never to <>), NOTIFY, saved state across a restart, and the operator's verbs.
import Foundation
import Logging
import MailCore
import NIOCore
import Queue
import Testing

@Suite struct QueueManagerTests {
    static let arrival: Int64 = 1_795_971_919
    let directory = temporaryQueueDirectory()
    let clock = ManualClock(QueueManagerTests.arrival)

    func manager(_ agent: ScriptedAgent, delayWarning: Int64 = 0) throws -> (QueueManager, QueueStore) {
        let store = try QueueStore(directory: directory, runner: InlineRunner())
        let settings = QueueManager.Settings(concurrency: 2, retry: RetrySchedule(minimum: 300, maximum: 3600),
                                             localDomains: ["localhost"], lifetime: 86_400, delayWarning: delayWarning,
                                             hostname: "mail.example.test")
        let manager = QueueManager(store: store, runner: InlineRunner(), agent: agent, settings: settings,
                                   logger: Logger(label: "test"), now: { [clock] in clock.now })
        return (manager, store)
    }

    func enqueue(_ manager: QueueManager, _ store: QueueStore, from sender: String = "alice@localhost",
                 to recipients: [String] = ["bob@localhost"], notify: DSNNotify = []) async throws -> QueueID {
        let id = manager.nextQueueID(microseconds: UInt64(clock.now) * 1_000_000)
        var envelope = Envelope(reversePath: sender, recipients: [])
        for recipient in recipients { envelope.append(recipient: recipient, dsn: RecipientDSN(notify: notify)) }
        let header = QueueFile.Header(queueID: id, arrival: clock.now, envelope: envelope)
        let content = "From: alice@localhost\r\nSubject: lunch\r\n\r\nsee you at noon\r\n"
        await manager.add(try await store.commitMessage(header, content: content), state: nil, recovered: false)
        try await manager.settled()
        return id
    }

    func tick(_ manager: QueueManager, to time: Int64) async throws {
        clock.advance(to: time)
        await manager.dispatch()
        try await manager.settled()
    }

    static let deferAll: @Sendable (String) -> Reply = { _ in Reply(451, "4.3.0", "mailbox busy") }

    @Test func temporaryFailuresBackOffExponentially() async throws {
        let agent = ScriptedAgent(Self.deferAll)
        let (manager, store) = try manager(agent)
        let id = try await enqueue(manager, store)
        var expected: [Int64] = []
        var time = Self.arrival
        for delay in [300, 600, 1200, 2400, 3600, 3600] as [Int64] {
            let entry = try #require(await manager.summaries().first)
            #expect(entry.nextAttempt == time + delay)
            expected.append(entry.nextAttempt)
            try await tick(manager, to: time + delay - 1)
            time += delay
            try await tick(manager, to: time)
        }
        #expect(agent.delivered.count == 7)
        #expect(await manager.summaries().first?.attempts == 7)
        let message = try #require(try store.scan().messages.first)
        #expect(message.state?.attempts == 7)
        #expect(message.state?.recipients.first?.lastReply == "451 4.3.0 mailbox busy")
        #expect(message.message.header.queueID == id)
    }

    @Test func lifetimeExpiryReturnsTheMessage() async throws {
        let agent = ScriptedAgent { $0 == "alice@localhost" ? Reply(250, "2.0.0", "ok") : Reply(451, "4.3.0", "mailbox busy") }
        let (manager, store) = try manager(agent)
        let id = try await enqueue(manager, store)
        try await tick(manager, to: Self.arrival + 86_399)
        #expect(await manager.summaries().map(\.queueID) == [id])
        try await tick(manager, to: Self.arrival + 86_400)
        // The original is gone; the report went to alice and was delivered and removed too.
        #expect(await manager.summaries().isEmpty)
        let report = try #require(agent.delivered.last)
        #expect(report.reversePath == "")
        #expect(report.recipients == ["alice@localhost"])
        #expect(try store.queueIDs().isEmpty)
    }

    @Test func delayWarningIsSentOnce() async throws {
        let agent = ScriptedAgent { $0 == "alice@localhost" ? Reply(451, "4.3.0", "later") : Reply(451, "4.3.0", "mailbox busy") }
        let (manager, store) = try manager(agent, delayWarning: 600)
        _ = try await enqueue(manager, store)
        try await tick(manager, to: Self.arrival + 300)
        #expect(await manager.summaries().count == 1)
        try await tick(manager, to: Self.arrival + 900)
        try await tick(manager, to: Self.arrival + 2100)
        let reports = await manager.summaries().filter { $0.reversePath.isEmpty }
        #expect(reports.count == 1)
        #expect(reports.first?.recipients.map(\.address) == ["alice@localhost"])
    }

    @Test func permanentFailureToNullSenderIsHeldForThePostmaster() async throws {
        let agent = ScriptedAgent { _ in Reply(550, "5.1.1", "no such user") }
        let (manager, store) = try manager(agent)
        let id = try await enqueue(manager, store, from: "")
        let entries = await manager.summaries()
        #expect(entries.map(\.queueID) == [id])
        #expect(entries.first?.held == true)
        #expect(agent.delivered.count == 1)
    }

    @Test func notifyNeverSendsNoReport() async throws {
        let agent = ScriptedAgent { _ in Reply(550, "5.1.1", "no such user") }
        let (manager, store) = try manager(agent)
        _ = try await enqueue(manager, store, notify: .never)
        #expect(await manager.summaries().isEmpty)
        #expect(agent.delivered.count == 1)
    }

    @Test func savedStateSurvivesARestart() async throws {
        let agent = ScriptedAgent { $0 == "bob@localhost" ? Reply(250, "2.0.0", "ok") : Reply(451, "4.3.0", "busy") }
        let (first, store) = try manager(agent)
        _ = try await enqueue(first, store, to: ["bob@localhost", "carol@localhost"])
        let (second, _) = try manager(agent)
        for (message, state) in try store.scan().messages { await second.add(message, state: state, recovered: true) }
        try await second.settled()
        #expect(agent.delivered.map(\.recipients) == [["bob@localhost", "carol@localhost"]])
        try await tick(second, to: Self.arrival + 300)
        #expect(agent.delivered.last?.recipients == ["carol@localhost"])
        #expect(agent.delivered.last?.mayBeRedelivery == true)
    }

    @Test func holdReleaseExpireAndDelete() async throws {
        let agent = ScriptedAgent(Self.deferAll)
        let (manager, store) = try manager(agent)
        let id = try await enqueue(manager, store)
        #expect(try await manager.control(.hold, id: id).get() == 1)
        try await tick(manager, to: Self.arrival + 10_000)
        #expect(agent.delivered.count == 1)
        #expect(try await manager.control(.release, id: id).get() == 1)
        try await manager.settled()
        #expect(agent.delivered.count == 2)
        #expect(try await manager.control(.flush, id: nil).get() == 1)
        try await manager.settled()
        #expect(agent.delivered.count == 3)
        #expect(try await manager.control(.expire, id: id).get() == 1)
        try await manager.settled()
        let report = try #require(await manager.summaries().first)
        #expect(report.reversePath == "")
        #expect(try await manager.control(.delete, id: report.queueID).get() == 1)
        #expect(await manager.summaries().isEmpty)
        #expect(try store.queueIDs().isEmpty)
        let unknown = await manager.control(.hold, id: id)
        #expect(throws: ReplyError.self) { try unknown.get() }
    }

    @Test func verifyQuarantinesADamagedFile() async throws {
        let agent = ScriptedAgent(Self.deferAll)
        let (manager, store) = try manager(agent)
        let id = try await enqueue(manager, store)
        let path = directory + "/" + id.rawValue
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 30] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        let report = try await manager.verify().get()
        #expect(report.checked == 1)
        #expect(report.problems.map(\.name) == [id.rawValue])
        #expect(await manager.summaries().isEmpty)
        #expect(try store.quarantined() == [id.rawValue, id.rawValue + ".state"])
    }
}
