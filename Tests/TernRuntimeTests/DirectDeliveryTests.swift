// tern-mtad's direct delivery against a real Unix socket whose tern-deliverd never answers:
// the attempt ends at its time limit with 451 (the message is then queued), and a message
// that does not qualify is not tried.
import Foundation
import Glibc
import Logging
import MailCore
import NIOCore
import Queue
@testable import TernRuntime
import Testing

@Suite struct DirectDeliveryTests {
    static func incoming(_ store: QueueStore, recipients: [String]) -> IncomingMessage {
        let header = QueueFile.Header(queueID: QueueID("0lDGMhr3h0tPHt")!, arrival: 1_795_971_919,
                                      envelope: Envelope(reversePath: "alice@example.test", recipients: recipients))
        let message = store.create(header)
        _ = message.hold(ByteBuffer(string: "Subject: hi\r\n\r\nhello\r\n"))
        return message
    }

    @Test func anUnansweredAttemptEndsAtItsTimeLimitWith451() async throws {
        let queue = "/tmp/tern-direct-queue-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: queue) }
        let store = try QueueStore(directory: queue, runner: BlockingExecutor())
        try await MailWirePoolTests.withServer(silent: true) { path in
            try await MailWirePoolTests.withRunningPool(path: path) { pool in
                let direct = DirectDelivery(agent: LocalDeliveryAgent(deliverd: pool, store: store, logger: Logger(label: "test")),
                                            localDomains: ["localhost"], concurrency: 2, timeLimit: .milliseconds(200))
                let replies = await direct.attempt(Self.incoming(store, recipients: ["bob@localhost"]))
                #expect(replies?.map(\.code) == [451])
                #expect(replies?.first?.lines.joined().contains("no answer from tern-deliverd") == true)
                #expect(await direct.attempt(Self.incoming(store, recipients: ["bob@localhost", "carol@localhost"])) == nil)
                #expect(await direct.attempt(Self.incoming(store, recipients: ["bob@example.test"])) == nil)
            }
        }
    }
}
