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

    @Test func errorsNameTheLine() {
        #expect(throws: Configuration.ParseError(line: 2, reason: "unknown setting colour")) {
            try Configuration.parse("hostname = a\ncolour = blue", hostname: "h")
        }
        #expect(throws: Configuration.ParseError(line: 1, reason: "retry_minimum needs a positive whole number")) {
            try Configuration.parse("retry_minimum = soon", hostname: "h")
        }
    }
}
