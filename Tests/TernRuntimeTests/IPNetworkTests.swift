// relay_networks matching.
import TernRuntime
import Testing

@Suite struct IPNetworkTests {
    @Test func matchesByPrefix() throws {
        let loopback = try #require(IPNetwork("127.0.0.0/8"))
        #expect(loopback.contains("127.1.2.3"))
        #expect(!loopback.contains("128.0.0.1"))
        #expect(!loopback.contains("::1"))
        #expect(try #require(IPNetwork("::1/128")).contains("::1"))
        #expect(try #require(IPNetwork("2001:db8::/32")).contains("2001:db8:ffff::25"))
        #expect(try #require(IPNetwork("192.0.2.7")).contains("192.0.2.7"))
        #expect(IPNetwork("192.0.2.0/33") == nil)
        #expect(IPNetwork("example.org/8") == nil)
    }
}
