// The credentials file: PBKDF2-SHA256 hashes, constant-time comparison, clear errors.
import TernRuntime
import Testing

@Suite struct SMTPCredentialsTests {
    // hashlib.pbkdf2_hmac("sha256", b"secret", b"0123456789abcdef", 210000)
    let line = "alice:pbkdf2-sha256$210000$MDEyMzQ1Njc4OWFiY2RlZg==$blLN+G5o91IL463It5ZqAblUPcWUei7cXeJtxt5du5w="

    @Test func verifiesOnlyTheRightPassword() throws {
        let credentials = try SMTPCredentials(parsing: "# comment\n" + line + "\n")
        #expect(credentials.verify(user: "alice", password: "secret"))
        #expect(!credentials.verify(user: "alice", password: "Secret"))
        #expect(!credentials.verify(user: "bob", password: "secret"))
    }

    @Test func malformedLinesAreNamed() {
        #expect(throws: SMTPCredentials.FormatError.self) { try SMTPCredentials(parsing: "alice:plain$secret") }
    }
}
