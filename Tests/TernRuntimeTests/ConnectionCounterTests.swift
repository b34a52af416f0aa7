// Connections open and served, and since when none is open: STATUS= and the idle decision.
@testable import TernRuntime
import Testing

@Suite struct ConnectionCounterTests {
    @Test func countsAndIdleness() {
        let counter = ConnectionCounter(noun: "SMTP session")
        #expect(counter.activity.summary == "0 SMTP sessions open, 0 served")
        #expect(counter.activity.idleSince != nil)
        counter.opened()
        counter.opened()
        #expect(counter.activity.summary == "2 SMTP sessions open, 0 served")
        #expect(counter.activity.idleSince == nil)
        counter.closed()
        #expect(counter.activity.summary == "1 SMTP session open, 1 served")
        #expect(counter.activity.idleSince == nil)
        let before = ContinuousClock.now
        counter.closed()
        #expect(counter.activity.idleSince.map { $0 >= before } == true)
    }
}
