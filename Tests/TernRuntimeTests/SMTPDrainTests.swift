// Graceful shutdown of one SMTP session: 421 4.3.2 at once between transactions, after
// the transaction inside one, never twice.
@testable import TernRuntime
import Testing

@Suite struct SMTPDrainTests {
    @Test func idleSessionCloses() {
        let drain = SMTPDrain(hostname: "mx.example")
        #expect(drain.reply.wireText == "421 4.3.2 mx.example Service shutting down, try again later\r\n")
        #expect(drain.shutdown())
        #expect(!drain.shutdown())
        #expect(!drain.beginTransaction())
    }

    @Test func transactionFinishesFirst() {
        let drain = SMTPDrain(hostname: "mx.example")
        #expect(drain.beginTransaction())
        #expect(!drain.shutdown())
        #expect(drain.endTransaction())
        #expect(!drain.beginTransaction())
    }

    @Test func noShutdownNoReply() {
        let drain = SMTPDrain(hostname: "mx.example")
        #expect(drain.beginTransaction())
        #expect(!drain.endTransaction())
        #expect(drain.beginTransaction())
    }
}
