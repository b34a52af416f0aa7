// The credentials AUTH checks (RFC 4954): a file of `user:pbkdf2-sha256$rounds$salt$hash`
// lines (salt and hash in base64), verified with PBKDF2-HMAC-SHA256 from swift-crypto
// and compared in constant time. Passwords are never stored.
import Crypto
import CryptoExtras
import FoundationEssentials

/// User names and their salted password hashes.
public struct SMTPCredentials: Sendable {
    struct Entry: Sendable {
        let rounds: Int
        let salt: [UInt8]
        let hash: [UInt8]
    }

    private let entries: [String: Entry]

    /// A malformed line of the credentials file.
    public struct FormatError: Error, CustomStringConvertible {
        public let line: Int
        public var description: String { "credentials line \(line): expected user:pbkdf2-sha256$rounds$salt$hash" }
    }

    /// Parses the file's text; empty lines and `#` comments are skipped.
    /// - Throws: `FormatError` naming the first bad line.
    public init(parsing text: String) throws {
        var entries: [String: Entry] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ":", maxSplits: 1)
            let parts = fields.count == 2 ? fields[1].split(separator: "$") : []
            guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]),
                  let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])), !hash.isEmpty
            else { throw FormatError(line: index + 1) }
            entries[String(fields[0])] = Entry(rounds: rounds, salt: Array(salt), hash: Array(hash))
        }
        self.entries = entries
    }

    /// True when `password` is `user`'s. Slow on purpose (PBKDF2): run it off the event loops.
    public func verify(user: String, password: String) -> Bool {
        guard let entry = entries[user],
              let key = try? KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: entry.salt, using: .sha256,
                                                           outputByteCount: entry.hash.count, rounds: entry.rounds)
        else { return false }
        let derived = key.withUnsafeBytes { Array($0) }
        return zip(derived, entry.hash).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0 && derived.count == entry.hash.count
    }
}
