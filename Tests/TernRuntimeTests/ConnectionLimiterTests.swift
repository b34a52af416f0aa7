// Connection limits in total and per client.
import TernRuntime
import Testing

@Suite struct ConnectionLimiterTests {
    @Test func limitsPerClientAndInTotal() {
        let limiter = ConnectionLimiter(total: 3, perClient: 2)
        #expect(limiter.acquire(client: "192.0.2.1"))
        #expect(limiter.acquire(client: "192.0.2.1"))
        #expect(!limiter.acquire(client: "192.0.2.1"))
        #expect(limiter.acquire(client: nil))
        #expect(!limiter.acquire(client: "192.0.2.2"))
        limiter.release(client: "192.0.2.1")
        #expect(limiter.acquire(client: "192.0.2.2"))
    }
}
