// tern.conf: defaults, every key, and clear errors.
@testable import MailCore
import Testing

@Suite struct ConfigurationTests {
    @Test func emptyFileGivesTheDefaults() throws {
        let configuration = try Configuration.parse("", hostname: "Mail.Example.org")
        #expect(configuration.localDomains == ["mail.example.org", "localhost"])
        #expect(configuration.messageSizeLimit == 10_240_000)
        #expect(configuration.retryMinimum == 300 && configuration.retryMaximum == 3600)
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try Configuration.parse("""
            # a comment
            hostname = mx.example.org
            local_domains = Example.org, example.net
            message_size_limit = 2048   # trailing comment
            recipient_limit = 150
            retry_minimum = 1
            retry_maximum = 2
            delivery_concurrency = 8
            smtp_listen = [::1]:2525
            """, hostname: "ignored")
        #expect(configuration.hostname == "mx.example.org")
        #expect(configuration.localDomains == ["example.org", "example.net"])
        #expect(configuration.isLocal(domain: "EXAMPLE.NET"))
        #expect(configuration.messageSizeLimit == 2048 && configuration.recipientLimit == 150)
        #expect(configuration.retryMinimum == 1 && configuration.retryMaximum == 2 && configuration.deliveryConcurrency == 8)
        #expect(configuration.smtpListen == "[::1]:2525")
    }

    @Test func queueSettings() throws {
        let defaults = try Configuration.parse("", hostname: "h")
        #expect(defaults.queueLifetime == 432_000 && defaults.delayWarning == 14_400)
        #expect(defaults.queueGroupCommit && defaults.queueMinimumFree == 16_777_216)
        let text = "queue_lifetime = 60\ndelay_warning = 0\nqueue_group_commit = no\nqueue_minimum_free = 0\n"
        let configuration = try Configuration.parse(text, hostname: "h")
        #expect(configuration.queueLifetime == 60 && configuration.delayWarning == 0)
        #expect(!configuration.queueGroupCommit && configuration.queueMinimumFree == 0)
        #expect(throws: Configuration.ParseError(line: 1, reason: "queue_group_commit is yes or no")) {
            try Configuration.parse("queue_group_commit = maybe", hostname: "h")
        }
    }

    @Test func errorsNameTheLine() {
        #expect(throws: Configuration.ParseError(line: 2, reason: "unknown setting colour")) {
            try Configuration.parse("hostname = a\ncolour = blue", hostname: "h")
        }
        #expect(throws: Configuration.ParseError(line: 1, reason: "retry_minimum needs a positive whole number")) {
            try Configuration.parse("retry_minimum = soon", hostname: "h")
        }
    }
}
