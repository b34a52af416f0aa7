// The queue's part of tern-mtad's STATUS= line.
import MailCore
@testable import TernRuntime
import Testing

@Suite struct RetryTimerTests {
    static func message(_ id: String, arrival: Int64, next: Int64, held: Bool = false) -> QueueSummary {
        QueueSummary(queueID: QueueID(id)!, size: 1, arrival: arrival, reversePath: "", nextAttempt: next, held: held, recipients: [])
    }

    @Test func describesDepthAgeAndNextRetry() {
        #expect(RetryTimer.describe([], now: 0) == "queue empty")
        let queue = [Self.message("0lDGXp2P5pZ098", arrival: 1000, next: 1600),
                     Self.message("0lDGXp2P5pZ099", arrival: 1200, next: 1100, held: true)]
        #expect(RetryTimer.describe(queue, now: 1300) == "queue: 2 messages (1 held), oldest 5m, next retry in 5m")
        #expect(RetryTimer.describe([Self.message("0lDGXp2P5pZ098", arrival: 1290, next: 0)], now: 1300)
                == "queue: 1 message, oldest 10s")
    }
}
