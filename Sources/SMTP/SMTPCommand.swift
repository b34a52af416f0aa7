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
    case help
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
    ///   argument, `500 5.5.2` for a line that is not text).
    public static func parse(_ line: [UInt8]) -> Result<SMTPCommand, ReplyError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) else {
            return .failure(ReplyError(Reply(500, "5.5.2", "Error: command contains control or non-ASCII characters")))
        }
        let text = String(decoding: line, as: UTF8.self)
        let verbEnd = text.firstIndex(of: " ") ?? text.endIndex
        let verb = text[..<verbEnd].uppercased()
        let argument = text[verbEnd...].drop(while: { $0 == " " })
        switch verb {
        case "EHLO", "HELO":
            let domain = argument.split(separator: " ").first.map(String.init) ?? ""
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
        case "VRFY":
            return .success(.vrfy(String(argument)))
        default:
            return .success(.unknown(verb))
        }
    }

    /// `FROM:<path> params` / `TO:<path> params`. A space after the colon is tolerated for
    /// interoperability (cases C17); the angle brackets are required (§4.1.2).
    private static func pathCommand(_ argument: Substring, prefix: String, allowNull: Bool) -> Result<(String, [Parameter]), ReplyError> {
        guard argument.uppercased().hasPrefix(prefix) else {
            return .failure(ReplyError(.badArgument("syntax is \(prefix)<address>")))
        }
        let rest = argument.dropFirst(prefix.count).drop(while: { $0 == " " })
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
            guard !keyword.isEmpty, keyword.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                return .failure(ReplyError(.badArgument("malformed parameter \(word)")))
            }
            parameters.append(Parameter(keyword, parts.count == 2 ? String(parts[1]) : nil))
        }
        return .success((path, parameters))
    }
}
