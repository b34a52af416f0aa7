// xtext (RFC 3461 §4) both ways.
import MailCore
import Testing

@Suite struct XTextTests {
    @Test func roundTrip() {
        #expect(XText.decode("bob+40example.org") == "bob@example.org")
        #expect(XText.encode("a+b=c d") == "a+2Bb+3Dc+20d")
        #expect(XText.decode(XText.encode("ünïcode")) == "ünïcode")
    }

    @Test(arguments: ["a=b", "a+zz", "a+4", "a b"])
    func malformed(text: String) {
        #expect(XText.decode(text) == nil)
    }
}
