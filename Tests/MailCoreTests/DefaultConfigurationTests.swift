// config/tern.conf, the file `make install` puts in /etc/tern: every key it shows is one
// Tern knows, with its default value, so uncommenting a line changes nothing by itself.
import Glibc
@testable import MailCore
import Testing

@Suite struct DefaultConfigurationTests {
    static let shipped: String = {
        let repository = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let path = "/" + repository + "/config/tern.conf"
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text
    }()

    /// The commented-out `#key = value` lines, uncommented.
    static var settingLines: [String] {
        shipped.split(separator: "\n").filter { $0.hasPrefix("#") && !$0.hasPrefix("# ") && $0.contains(" = ") }.map { String($0.dropFirst()) }
    }

    @Test func everyShownKeyParses() throws {
        #expect(Self.settingLines.count >= 20)
        _ = try Configuration.parse(Self.settingLines.joined(separator: "\n"), hostname: "h")
    }

    @Test func shownValuesAreTheDefaults() throws {
        let exampleKeys = ["hostname", "local_domains", "tls_certificate", "tls_key", "smtp_credentials", "relayhost",
                           "transport_table", "dns_server", "tls_required_domains"]
        let lines = Self.settingLines.filter { line in !exampleKeys.contains { line.hasPrefix($0 + " ") } }
        #expect(try Configuration.parse(lines.joined(separator: "\n"), hostname: "h") == Configuration(hostname: "h"))
    }

    @Test func idleSettings() throws {
        let configuration = try Configuration.parse("idle_timeout = 0\nqueue_wakeup_interval = 60", hostname: "h")
        #expect(configuration.idleTimeout == 0 && configuration.queueWakeupInterval == 60)
        #expect(Configuration(hostname: "h").idleTimeout == 60)
    }
}
