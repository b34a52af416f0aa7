// When a daemon counts as idle and may exit: every part idle long enough, and no retry
// due before the timer would start it again.
import TernRuntime
import Testing

@Suite struct ActivityTests {
    let start = ContinuousClock.now
    let policy = IdlePolicy(timeout: .seconds(60), wakeupInterval: 300)

    @Test func idleSinceTheLatestPart() {
        let parts = [Activity(summary: "a", idleSince: start), Activity(summary: "b", idleSince: start + .seconds(10))]
        #expect(policy.idleFor(parts, now: start + .seconds(30), wallClock: 1000) == .seconds(20))
        #expect(!policy.shouldExit(parts, now: start + .seconds(69), wallClock: 1000))
        #expect(policy.shouldExit(parts, now: start + .seconds(70), wallClock: 1000))
    }

    @Test func aBusyPartKeepsTheDaemon() {
        let parts = [Activity(summary: "a", idleSince: start), Activity(summary: "sessions", idleSince: nil)]
        #expect(policy.idleFor(parts, now: start + .seconds(3600), wallClock: 1000) == nil)
    }

    @Test func aRetryDueBeforeTheTimerKeepsTheDaemon() {
        let soon = [Activity(summary: "queue", idleSince: start, nextDue: 1300)]
        #expect(!policy.shouldExit(soon, now: start + .seconds(3600), wallClock: 1000))
        let later = [Activity(summary: "queue", idleSince: start, nextDue: 1301)]
        #expect(policy.shouldExit(later, now: start + .seconds(3600), wallClock: 1000))
    }

    @Test func withoutATimeoutNeverExits() {
        let parts = [Activity(summary: "a", idleSince: start)]
        let never = IdlePolicy(timeout: nil, wakeupInterval: 300)
        #expect(never.idleFor(parts, now: start + .seconds(5), wallClock: 0) == .seconds(5))
        #expect(!never.shouldExit(parts, now: start + .seconds(86_400), wallClock: 0))
    }
}
