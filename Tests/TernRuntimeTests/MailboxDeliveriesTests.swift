// Batched local deliveries with the real tern-local of this build: many deliveries to one
// mailbox at once are each answered once, with their own reply, and each message is in
// new/ once (the hand-over of a conversation from one waiting delivery to the next). And a
// helper that never answers (a hung file system) fails its batch with 451 at the time limit,
// so with it the time a delivery is answered shows whether it waited for the running
// conversation or started a second one.
import Foundation
import Logging
import MailCore
import NIOCore
@testable import TernRuntime
import Testing

@Suite struct MailboxDeliveriesTests {
    static let helper = String(#filePath.split(separator: "/Tests/").first!) + "/.build/debug/tern-local"
    // A helper stuck in its first request (a hung file system): it reads nothing and never answers.
    static let stuck = String(#filePath.split(separator: "/Tests/").first!) + "/Tests/Helpers/stuck-tern-local"

    /// Message `number` for bob, spooled under `root`.
    static func message(_ number: Int, root: String) async -> (DeliveryRequest, MessageSpool) {
        let spool = MessageSpool(directory: root + "/spool")
        try? await spool.append(ByteBuffer(string: "Subject: \(number)\r\n\r\nbody\r\n"), executor: BlockingExecutor())
        var ids = QueueIDGenerator()
        let queueID = ids.next(now: 1_795_971_919_000_000 + UInt64(number), random: UInt32(number))
        let request = DeliveryRequest(queueID: queueID, reversePath: "alice@example.test", arrival: 1_795_971_919,
                                      mayBeRedelivery: false, recipients: ["bob@localhost"])
        return (request, spool)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: helper)))
    func concurrentDeliveriesToOneMailboxAreEachAnsweredAndStoredOnce() async throws {
        let root = "/tmp/tern-batch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/mail", withIntermediateDirectories: true)
        let deliveries = MailboxDeliveries(helpers: MailboxHelperPool(executable: Self.helper, hostname: "test.localhost"),
                                           logger: Logger(label: "test"))
        let location = MailboxLocation(place: .spool(directory: root + "/mail", name: "bob"))
        let replies = await withTaskGroup(of: Reply.self) { group in
            for number in 0..<40 {
                group.addTask {
                    let (request, spool) = await Self.message(number, root: root)
                    return await deliveries.deliver(request, spool: spool, to: location)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.count == 40)
        #expect(replies.allSatisfy { $0.code == 250 }, "\(replies)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: root + "/mail/bob/new")
        #expect(Set(stored).count == 40)
    }

    @Test func aHelperThatNeverAnswersFailsItsBatchAtTheTimeLimit() async throws {
        let root = "/tmp/tern-hung-helper-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let deliveries = MailboxDeliveries(helpers: MailboxHelperPool(executable: Self.stuck, hostname: "test.localhost", timeLimit: 1),
                                           logger: Logger(label: "test"))
        let (request, spool) = await Self.message(1, root: root)
        let started = ContinuousClock.now
        let reply = await deliveries.deliver(request, spool: spool, to: MailboxLocation(place: .spool(directory: root + "/mail", name: "bob")))
        let waited = ContinuousClock.now - started
        #expect(reply.code == 451 && reply.enhanced == "4.3.0" && reply.lines.joined().contains("time limit"), "\(reply)")
        #expect(waited >= .seconds(1) && waited < .seconds(10), "\(waited)")
    }

    /// protocols/tern-local.md §Batches: while a conversation runs, two more deliveries wait
    /// for it (answered after its time limit and then their own: about 4 s), but three start
    /// a second conversation at once (answered after one limit: about 2.2 s).
    @Test func whileAConversationRunsOnlyThreeWaitingDeliveriesStartAnother() async throws {
        let root = "/tmp/tern-extra-batch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let deliveries = MailboxDeliveries(helpers: MailboxHelperPool(executable: Self.stuck, hostname: "test.localhost", timeLimit: 2),
                                           logger: Logger(label: "test"))
        /// When the first of `followers` deliveries, made 0.2 s after one that starts a
        /// conversation, is answered.
        func firstFollowerAnswered(_ followers: Int, mailbox: String) async -> Duration {
            let location = MailboxLocation(place: .spool(directory: root + "/mail", name: mailbox))
            var made: [(DeliveryRequest, MessageSpool)] = []
            for number in 0...followers { made.append(await Self.message(number, root: root)) }
            let messages = made
            let started = ContinuousClock.now
            return await withTaskGroup(of: Duration?.self) { group in
                group.addTask {
                    _ = await deliveries.deliver(messages[0].0, spool: messages[0].1, to: location)
                    return nil
                }
                try? await Task.sleep(for: .milliseconds(200))
                for (request, spool) in messages.dropFirst() {
                    group.addTask {
                        _ = await deliveries.deliver(request, spool: spool, to: location)
                        return ContinuousClock.now - started
                    }
                }
                return await group.reduce(into: Duration.seconds(60)) { first, answered in first = min(first, answered ?? first) }
            }
        }
        async let two = firstFollowerAnswered(2, mailbox: "bob")
        async let three = firstFollowerAnswered(3, mailbox: "carol")
        let (waited, started) = await (two, three)
        #expect(waited >= .seconds(3.5), "\(waited)")
        #expect(started < .seconds(3.5), "\(started)")
    }
}
