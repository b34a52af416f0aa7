// SASL PLAIN and LOGIN decoding (RFC 4616, RFC 4954).
@testable import SMTP
import Testing

@Suite struct AuthExchangeTests {
    @Test func plainCarriesUserAndPassword() {
        #expect(AuthExchange.plain.respond("AGFsaWNlAHNlY3JldA==") == .credentials(user: "alice", password: "secret"))
        if case .failed(let reply) = AuthExchange.plain.respond("bm90IHBsYWlu") { #expect(reply.code == 501) } else { Issue.record("accepted") }
        if case .failed(let reply) = AuthExchange.plain.respond("*") { #expect(reply.code == 501) } else { Issue.record("accepted") }
    }

    @Test func loginAsksForThePassword() {
        #expect(AuthExchange.loginUser.respond("YWxpY2U=") == .challenge(AuthExchange.passwordPrompt, .loginPassword(user: "alice")))
        #expect(AuthExchange.loginPassword(user: "alice").respond("c2VjcmV0") == .credentials(user: "alice", password: "secret"))
    }
}
