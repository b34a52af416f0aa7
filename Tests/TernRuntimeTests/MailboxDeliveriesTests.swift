// Batched local deliveries with the real tern-local of this build: many deliveries to one
// mailbox at once are each answered once, with their own reply, and each message is in
// new/ once (the hand-over of a conversation from one waiting delivery to the next). And a
// helper that never answers (a hung file system) fails its batch with 451 at the time limit.
import Foundation
import Logging
import MailCore
import NIOCore
@testable import TernRuntime
import Testing

@Suite struct MailboxDeliveriesTests {
    static let helper = String(#filePath.split(separator: "/Tests/").first!) + "/.build/debug/tern-local"

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
                    let spool = MessageSpool(directory: root + "/spool")
                    try? await spool.append(ByteBuffer(string: "Subject: \(number)\r\n\r\nbody\r\n"), executor: BlockingExecutor())
                    var ids = QueueIDGenerator()
                    let queueID = ids.next(now: 1_795_971_919_000_000 + UInt64(number), random: UInt32(number))
                    let request = DeliveryRequest(queueID: queueID, reversePath: "alice@example.test", arrival: 1_795_971_919,
                                                  mayBeRedelivery: false, recipients: ["bob@localhost"])
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
        // A helper stuck in its first request (a hung file system): it reads nothing and never answers.
        let stuck = String(#filePath.split(separator: "/Tests/").first!) + "/Tests/Helpers/stuck-tern-local"
        let deliveries = MailboxDeliveries(helpers: MailboxHelperPool(executable: stuck, hostname: "test.localhost", timeLimit: 1),
                                           logger: Logger(label: "test"))
        let spool = MessageSpool(directory: root + "/spool")
        try await spool.append(ByteBuffer(string: "Subject: stuck\r\n\r\nbody\r\n"), executor: BlockingExecutor())
        var ids = QueueIDGenerator()
        let request = DeliveryRequest(queueID: ids.next(now: 1_795_971_919_000_000, random: 1), reversePath: "alice@example.test",
                                      arrival: 1_795_971_919, mayBeRedelivery: false, recipients: ["bob@localhost"])
        let started = ContinuousClock.now
        let reply = await deliveries.deliver(request, spool: spool, to: MailboxLocation(place: .spool(directory: root + "/mail", name: "bob")))
        let waited = ContinuousClock.now - started
        #expect(reply.code == 451 && reply.enhanced == "4.3.0" && reply.lines.joined().contains("time limit"), "\(reply)")
        #expect(waited >= .seconds(1) && waited < .seconds(10), "\(waited)")
    }
}
