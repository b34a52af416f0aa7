// Route planning: MX order, null MX, loops, next hops and the transport table.
import MailCore
@testable import Relay
import Testing

@Suite struct RoutePlanTests {
    @Test func mxSortedByPreferenceAndShuffledAmongEquals() throws {
        let records = [MXRecord(preference: 20, exchange: "c.example"), MXRecord(preference: 10, exchange: "a.example"),
                       MXRecord(preference: 10, exchange: "b.example")]
        let first = try RoutePlan.order(records, domain: "example", ownNames: [], random: { _ in 0 }).get()
        let other = try RoutePlan.order(records, domain: "example", ownNames: [], random: { $0 - 1 }).get()
        #expect(first.last == "c.example" && other.last == "c.example")
        #expect(Set(first.prefix(2)) == ["a.example", "b.example"])
        #expect(first != other)
    }

    @Test func nullMXAndLoopsAreRefused() {
        let null = RoutePlan.order([MXRecord(preference: 0, exchange: "")], domain: "x.example", ownNames: [], random: { _ in 0 })
        #expect(throws: ReplyError.self) { try null.get() }
        if case .failure(let error) = null { #expect(error.reply.code == 556 && error.reply.enhanced == "5.1.10") }
        let loop = RoutePlan.order([MXRecord(preference: 5, exchange: "MX.Example.org")], domain: "example.org",
                                   ownNames: ["mx.example.org"], random: { _ in 0 })
        if case .failure(let error) = loop { #expect(error.reply.enhanced == "5.4.6") } else { Issue.record("no loop found") }
    }

    @Test func nextHops() {
        #expect(NextHop("[127.0.0.1]:2525") == NextHop(host: "127.0.0.1", port: 2525, skipMX: true))
        #expect(NextHop("mx.example.org") == NextHop(host: "mx.example.org", port: nil, skipMX: false))
        #expect(NextHop("relay.example:587") == NextHop(host: "relay.example", port: 587, skipMX: false))
        #expect(NextHop("[host") == nil && NextHop("[h]:99999") == nil && NextHop("") == nil)
    }

    @Test func transportTable() throws {
        let table = try TransportTable(parsing: "# routes\nexample.com  [127.0.0.1]:2525\nOther.Example relay.example\n")
        #expect(table.nextHop(for: "EXAMPLE.com") == NextHop(host: "127.0.0.1", port: 2525, skipMX: true))
        #expect(table.nextHop(for: "other.example")?.host == "relay.example")
        #expect(throws: TransportTable.FormatError(line: 1)) { try TransportTable(parsing: "bad") }
    }

    @Test func receivedFieldsAreCounted() {
        #expect(RoutePlan.receivedCount(inHeader: Array("Received: a\r\n b\r\nreceived: c\r\nSubject: x\r\n\r\nReceived: body\r\n".utf8)) == 2)
        #expect(RoutePlan.literalAddress("[IPv6:2001:db8::1]") == "2001:db8::1")
    }
}
