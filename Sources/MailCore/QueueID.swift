// Queue IDs: unique, sortable by arrival, usable as file names and journal values.
// Like Postfix's long IDs they use an alphabet without vowels, so no words appear;
// unlike them they are not tied to an inode (a file is named after its ID, not the reverse).

/// A 14-character queue ID: 10 characters of microseconds since the epoch, then 4 random
/// characters, all from a 51-symbol ASCII-sorted alphabet, so byte order is arrival order.
public struct QueueID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Digits, then upper- and lower-case consonants: ASCII order, no vowels.
    public static let alphabet = Array("0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz".utf8)
    /// Total length in characters.
    public static let length = 14

    public let rawValue: String

    /// Accepts only well-formed IDs, so a name read from disk or the wire is safe as a path.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.utf8.count == Self.length, text.utf8.allSatisfy(Self.isInAlphabet) else { return nil }
        rawValue = text
    }

    /// Whether `octet` is one of `alphabet`'s symbols (a table lookup: IDs are checked on
    /// every MailWire frame that carries one).
    private static func isInAlphabet(_ octet: UInt8) -> Bool {
        octet < 0x80 && symbols[Int(octet)]
    }

    private static let symbols: [Bool] = (0..<128).map { alphabet.contains(UInt8($0)) }

    /// Makes an ID from a time in microseconds since the epoch and a random number.
    public init(microseconds: UInt64, random: UInt32) {
        var time = microseconds
        var timeDigits = [UInt8](repeating: 0, count: 10)
        for index in stride(from: 9, through: 0, by: -1) {
            timeDigits[index] = Self.alphabet[Int(time % 51)]
            time /= 51
        }
        var noise = random
        var noiseDigits = [UInt8](repeating: 0, count: 4)
        for index in 0..<4 {
            noiseDigits[index] = Self.alphabet[Int(noise % 51)]
            noise /= 51
        }
        rawValue = String(decoding: timeDigits + noiseDigits, as: UTF8.self)
    }

    public var description: String { rawValue }

    public static func < (lhs: QueueID, rhs: QueueID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Hands out strictly increasing queue IDs within one process; the random part keeps
/// IDs of concurrent processes apart.
public struct QueueIDGenerator: Sendable {
    private var lastMicroseconds: UInt64 = 0

    public init() {}

    /// - Parameters:
    ///   - now: the current time in microseconds since the epoch.
    ///   - random: a random number for the tail.
    public mutating func next(now: UInt64, random: UInt32) -> QueueID {
        lastMicroseconds = max(now, lastMicroseconds + 1)
        return QueueID(microseconds: lastMicroseconds, random: random)
    }
}
