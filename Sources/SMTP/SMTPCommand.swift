// SMTP commands (RFC 5321 §4.1.1) parsed from one command line without its CRLF.
// Pure functions over bytes; verbs and parameter names are case-insensitive (§2.4).
import MailCore

/// One parsed SMTP command.
public enum SMTPCommand: Sendable, Equatable {
    case ehlo(String)
    case helo(String)
    /// Reverse-path (empty for `<>`) and ESMTP parameters (RFC 5321 §4.1.1.2).
    case mail(reversePath: String, parameters: [Parameter])
    /// Forward-path and ESMTP parameters (RFC 5321 §4.1.1.3).
    case rcpt(forwardPath: String, parameters: [Parameter])
    case data
    case rset
    case noop
    case quit
    case vrfy(String)
    case expn(String)
    case help
    /// `BDAT size [LAST]` (RFC 3030 §2).
    case bdat(size: Int, last: Bool)
    /// RFC 3207.
    case startTLS
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4); the mechanism upper-cased.
    case auth(mechanism: String, initialResponse: String?)
    /// A verb this server does not know.
    case unknown(String)

    /// An ESMTP parameter `KEYWORD[=VALUE]`; the keyword upper-cased.
    public struct Parameter: Sendable, Equatable {
        public var keyword: String
        public var value: String?
        public init(_ keyword: String, _ value: String?) {
            self.keyword = keyword
            self.value = value
        }
    }

    /// Parses one command line (without CRLF).
    /// - Returns: the command, or the reply that refuses the line (`501 5.5.4` for a bad
    ///   argument, `500 5.5.2` for a line with control characters or invalid UTF-8).
    ///   UTF-8 is allowed here; whether an address may use it is decided by SMTPUTF8.
    public static func parse(_ line: [UInt8]) -> Result<SMTPCommand, ReplyError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }), let text = String(validating: line, as: UTF8.self) else {
            return .failure(ReplyError(Reply(500, "5.5.2", "Error: command contains control characters or invalid UTF-8")))
        }
        let verbEnd = text.utf8.firstIndex(of: UInt8(ascii: " ")) ?? text.endIndex
        let verb = text[..<verbEnd].uppercased()
        let argument = text[(text.utf8[verbEnd...].firstIndex { $0 != UInt8(ascii: " ") } ?? text.endIndex)...]
        switch verb {
        case "EHLO", "HELO":
            // The first word (the argument starts after the spaces): octets, not Characters.
            let domain = String(argument[..<(argument.utf8.firstIndex(of: UInt8(ascii: " ")) ?? argument.endIndex)])
            guard !domain.isEmpty else { return .failure(ReplyError(.badArgument("\(verb) needs a domain or address literal"))) }
            return .success(verb == "EHLO" ? .ehlo(domain) : .helo(domain))
        case "MAIL":
            return pathCommand(argument, prefix: "FROM:", allowNull: true).map { .mail(reversePath: $0, parameters: $1) }
        case "RCPT":
            return pathCommand(argument, prefix: "TO:", allowNull: false).map { .rcpt(forwardPath: $0, parameters: $1) }
        case "DATA", "RSET", "NOOP", "QUIT", "HELP":
            if !argument.isEmpty && verb != "NOOP" && verb != "HELP" {
                return .failure(ReplyError(.badArgument("\(verb) takes no argument")))
            }
            return .success(verb == "DATA" ? .data : verb == "RSET" ? .rset : verb == "NOOP" ? .noop : verb == "QUIT" ? .quit : .help)
        case "VRFY", "EXPN":
            guard !argument.isEmpty else { return .failure(ReplyError(.badArgument("\(verb) needs an argument"))) }
            return .success(verb == "VRFY" ? .vrfy(String(argument)) : .expn(String(argument)))
        case "BDAT":
            let words = argument.split(separator: " ", omittingEmptySubsequences: false)
            guard (1...2).contains(words.count), words[0].count <= 18, words[0].allSatisfy({ ("0"..."9").contains($0) }),
                  let size = Int(words[0]), words.count == 1 || words[1].uppercased() == "LAST"
            else { return .failure(ReplyError(.badArgument("syntax is BDAT <octets> [LAST]"))) }
            return .success(.bdat(size: size, last: words.count == 2))
        case "STARTTLS":
            guard argument.isEmpty else { return .failure(ReplyError(.badArgument("STARTTLS takes no argument"))) }
            return .success(.startTLS)
        case "AUTH":
            let words = argument.split(separator: " ")
            guard (1...2).contains(words.count) else { return .failure(ReplyError(.badArgument("syntax is AUTH <mechanism> [initial-response]"))) }
            return .success(.auth(mechanism: words[0].uppercased(), initialResponse: words.count == 2 ? String(words[1]) : nil))
        default:
            return .success(.unknown(verb))
        }
    }

    /// `FROM:<path> params` / `TO:<path> params`. A space after the colon is tolerated for
    /// interoperability (cases C17); the angle brackets are required (§4.1.2).
    private static func pathCommand(_ argument: Substring, prefix: String, allowNull: Bool) -> Result<(String, [Parameter]), ReplyError> {
        // Compared and skipped as octets: Character views cost grapheme breaking per call.
        let octets = argument.utf8
        guard octets.count >= prefix.utf8.count,
              zip(octets, prefix.utf8).allSatisfy({ $0.asciiLowercased == $1.asciiLowercased })
        else {
            return .failure(ReplyError(.badArgument("syntax is \(prefix)<address>")))
        }
        let afterPrefix = octets.index(octets.startIndex, offsetBy: prefix.utf8.count)
        let rest = argument[(octets[afterPrefix...].firstIndex { $0 != UInt8(ascii: " ") } ?? argument.endIndex)...]
        let path: String
        let remainder: Substring
        switch AddressParser.path(rest) {
        case .success(let parsed): (path, remainder) = parsed
        case .failure(let error): return .failure(error)
        }
        if path.isEmpty && !allowNull { return .failure(ReplyError(.badArgument("the null path <> is not a valid recipient"))) }
        var parameters: [Parameter] = []
        for word in remainder.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let keyword = parts[0].uppercased()
            // esmtp-keyword: ALPHA / DIGIT, then also "-"; esmtp-value: no "=", SP or controls.
            guard let first = keyword.unicodeScalars.first, first.isASCIIAlphanumeric,
                  keyword.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" }),
                  parts.count == 1 || (!parts[1].isEmpty && !parts[1].contains("=") && parts[1].unicodeScalars.allSatisfy({ $0.value > 32 }))
            else {
                return .failure(ReplyError(.badArgument("malformed parameter \(word)")))
            }
            parameters.append(Parameter(keyword, parts.count == 2 ? String(parts[1]) : nil))
        }
        return .success((path, parameters))
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
