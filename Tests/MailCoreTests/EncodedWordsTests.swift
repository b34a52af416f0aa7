// RFC 2047 encoded words decoded for display.
import MailCore
import Testing

@Suite struct EncodedWordsTests {
    @Test func decodesBAndQAndJoinsAdjacentWords() {
        #expect(EncodedWords.decode("=?UTF-8?B?R3LDvMOfZQ==?=") == "Grüße")
        #expect(EncodedWords.decode("=?ISO-8859-1?Q?Caf=E9_au_lait?=") == "Café au lait")
        #expect(EncodedWords.decode("=?UTF-8?Q?a?= =?UTF-8?Q?b?= c") == "ab c")
        #expect(EncodedWords.decode("plain =?bogus?X?y?= text") == "plain =?bogus?X?y?= text")
    }
}
