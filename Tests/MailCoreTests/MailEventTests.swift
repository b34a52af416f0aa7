// Catalog ids of the mail events: well-formed, distinct, and each explained in
// units/tern.catalog (which `journalctl -x` reads after installation).
import Glibc
import MailCore
import Testing

@Suite struct MailEventTests {
    @Test func idsAre128BitLowerCaseHexAndDistinct() {
        let ids = MailEvent.allCases.map(\.catalogID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(MailEvent.catalog["delivered"] == MailEvent.delivered.catalogID)
    }

    @Test func everyEventHasACatalogEntry() {
        let repository = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        guard let file = fopen("/" + repository + "/units/tern.catalog", "r") else {
            Issue.record("units/tern.catalog is missing")
            return
        }
        defer { fclose(file) }
        var headers: [String] = []
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("-- ") { headers.append(String(text.dropFirst(3))) }
        }
        #expect(headers.sorted() == MailEvent.allCases.map(\.catalogID).sorted())
    }

    @Test(arguments: [(RecipientState.delivered, MailEvent.delivered), (.bounced, .bounced), (.deferred, .deferred), (.pending, .deferred)])
    func outcomes(state: RecipientState, event: MailEvent) {
        #expect(MailEvent(outcome: state) == event)
    }
}
