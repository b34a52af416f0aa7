// Backoff doubles from the minimum and stops at the maximum.
import Queue
import Testing

@Suite struct RetryScheduleTests {
    @Test func doublesThenCaps() {
        let schedule = RetrySchedule(minimum: 300, maximum: 3600)
        #expect((1...6).map(schedule.delay(afterAttempts:)) == [300, 600, 1200, 2400, 3600, 3600])
        #expect(schedule.delay(afterAttempts: 10_000) == 3600)
    }
}
