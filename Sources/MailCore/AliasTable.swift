// The aliases file, `/etc/tern/aliases`, in the familiar aliases(5) format: `name: target,
// target`, `#` comment lines, continuation lines that start with white space. Targets are
// local names, other aliases or addresses. Pipes to commands, file names and `:include:`
// are refused (reported and skipped): delivery never runs a program or writes a file
// outside a Maildir.

/// The parsed aliases file.
public struct AliasTable: Sendable, Equatable {
    /// A line that was not used as written.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number (of the entry's first line).
        public let line: Int
        public let reason: String
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
        public var description: String { "aliases line \(line): \(reason)" }
    }

    /// Lower-cased alias name → its targets, in file order.
    public private(set) var entries: [String: [String]] = [:]
    /// Everything skipped, for the log.
    public private(set) var problems: [Problem] = []

    /// An empty table (no aliases file).
    public init() {}

    /// The targets of `name` (any case), nil when it is not an alias.
    public func targets(of name: String) -> [String]? { entries[name.lowercased()] }

    /// Parses the text of an aliases file; never fails: bad entries and targets are
    /// skipped and listed in `problems`.
    public static func parse(_ text: String) -> AliasTable {
        var table = AliasTable()
        var logical: [(line: Int, text: String)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.first == " " || line.first == "\t", !logical.isEmpty {
                logical[logical.count - 1].text += " " + trimmed
            } else {
                logical.append((index + 1, line))
            }
        }
        for (line, text) in logical { table.add(text, line: line) }
        return table
    }

    private mutating func add(_ text: String, line: Int) {
        guard let colon = text.firstIndex(of: ":") else {
            return problems.append(Problem(line: line, reason: "expected name: target, target"))
        }
        let rawName = text[..<colon].trimmingBlanks()
        guard let name = MailboxName.directory(forLocalPart: rawName) else {
            return problems.append(Problem(line: line, reason: "not a valid alias name: \(rawName)"))
        }
        guard entries[name] == nil else {
            return problems.append(Problem(line: line, reason: "\(name) is defined twice; the first definition is used"))
        }
        var targets: [String] = []
        for piece in text[text.index(after: colon)...].split(separator: ",") {
            let target = piece.trimmingBlanks()
            if target.isEmpty { continue }
            switch Self.check(target) {
            case .success(let address): targets.append(address)
            case .failure(let refusal): problems.append(Problem(line: line, reason: "\(name): \(refusal.why)"))
            }
        }
        guard !targets.isEmpty else {
            return problems.append(Problem(line: line, reason: "\(name) has no usable target"))
        }
        entries[name] = targets
    }

    private struct Refusal: Error { let why: String }

    /// A target as kept: a local name (lower case) or an address (`<>` removed).
    private static func check(_ target: String) -> Result<String, Refusal> {
        let bare = target.hasPrefix("\"") ? String(target.dropFirst()) : target
        if bare.hasPrefix("|") { return .failure(Refusal(why: "pipes to commands are not supported: \(target)")) }
        if bare.hasPrefix("/") { return .failure(Refusal(why: "file targets are not supported: \(target)")) }
        if bare.lowercased().hasPrefix(":include:") { return .failure(Refusal(why: "include files are not supported: \(target)")) }
        var address = target
        if address.hasPrefix("<") && address.hasSuffix(">") { address = String(address.dropFirst().dropLast()) }
        if !address.utf8.contains(UInt8(ascii: "@")) {
            guard let name = MailboxName.directory(forLocalPart: address) else {
                return .failure(Refusal(why: "not a valid local name: \(target)"))
            }
            return .success(name)
        }
        let local = MailAddress.localPart(of: address)
        let wellFormed = !local.isEmpty && MailAddress.domain(of: address) != nil
            && !address.contains { $0 == " " || $0 == "\t" || $0 == "<" || $0 == ">" || $0 == "\"" || $0.asciiValue.map { $0 < 0x20 } == true }
        return wellFormed ? .success(address) : .failure(Refusal(why: "not a valid address: \(target)"))
    }
}
