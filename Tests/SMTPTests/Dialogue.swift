// Runs a scripted dialogue (Tests/Dialogues/*.dialogue, format in its README) against the
// pure session, with a simulated queue that accepts every message, a TLS layer that
// always succeeds, credentials `alice` / `secret` and a recipient lookup that knows
// alice, bob and carol (every name with `users=any`) and fails for `tempfail`.
import Foundation
import MailCore
import NIOCore
import SMTP

struct Dialogue {
    enum Line {
        case send([UInt8])
        case expect(code: Int, enhanced: String?)
        case committed(Int)
    }

    let name: String
    var settings = SMTPServerSettings(hostname: "mx.example.org", clientDescription: "[192.0.2.1]",
                                      localDomains: ["example.org", "localhost"])
    var lines: [Line] = []
    /// The local users the simulated lookup knows; nil: every name (`users=any`).
    var users: Set<String>? = ["alice", "bob", "carol"]

    /// Parses one dialogue file.
    init(file: String) throws {
        name = (file as NSString).lastPathComponent
        for raw in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("# settings:") {
                for pair in line.dropFirst(11).split(separator: " ") {
                    let parts = pair.split(separator: "=")
                    let value = String(parts[1])
                    switch parts[0] {
                    case "relay": settings.relayPermitted = value == "yes"
                    case "submission": settings.isLocalSubmission = value == "yes"
                    case "tls": settings.tlsAvailable = value == "yes"
                    case "auth": settings.authAvailable = value == "yes"
                    case "size": settings.messageSizeLimit = UInt64(value)!
                    case "recipients": settings.recipientLimit = Int(value)!
                    case "errors": settings.errorLimit = Int(value)!
                    case "junk": settings.junkCommandLimit = Int(value)!
                    case "users": users = value == "any" ? nil : Set(value.split(separator: ",").map(String.init))
                    default: fatalError("\(name): unknown setting \(parts[0])")
                    }
                }
            } else if line.hasPrefix("C:") || line.hasPrefix("C*") {
                let colon = line.firstIndex(of: ":")!
                let count = line.hasPrefix("C*") ? Int(line[line.index(line.startIndex, offsetBy: 2)..<colon])! : 1
                let text = line[line.index(after: colon)...].dropFirst()
                let bytes = Self.octets(String(text))
                lines.append(.send(Array([[UInt8]](repeating: bytes, count: count).joined())))
            } else if line.hasPrefix("S:") {
                let words = line.dropFirst(2).split(separator: " ")
                lines.append(.expect(code: Int(words[0])!, enhanced: words.count > 1 ? String(words[1]) : nil))
            } else if line.hasPrefix("Q:") {
                lines.append(.committed(Int(line.dropFirst(2).trimmingCharacters(in: .whitespaces))!))
            }
        }
    }

    /// The octets of a `C:` line: markers replaced, CRLF appended unless `<NOEOL>`.
    static func octets(_ text: String) -> [UInt8] {
        var text = text
        let noEOL = text.hasSuffix("<NOEOL>")
        if noEOL { text.removeLast(7) }
        var bytes = Array(text.replacingOccurrences(of: "<CR>", with: "\r").replacingOccurrences(of: "<LF>", with: "\n")
            .replacingOccurrences(of: "<NUL>", with: "\u{0}").utf8)
        if !noEOL { bytes += [13, 10] }
        return bytes
    }

    /// The simulated answer of tern-deliverd's recipient lookup.
    func lookup(_ address: String) -> Reply? {
        let name = MailAddress.localPart(of: address).lowercased()
        if name == "tempfail" { return .recipientLookupFailed(address) }
        return users.map { $0.contains(name) } ?? true ? nil : .unknownUser(address)
    }

    /// Runs the dialogue; returns the first mismatch, nil when every expectation held.
    func run() -> String? {
        var session = SMTPServerSession(settings: settings)
        var replies: [Reply] = []
        var committed = 0
        var pending: [UInt8] = []
        var cursor = 0
        func perform(_ actions: [SMTPServerAction], _ session: inout SMTPServerSession) {
            var queue = actions
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case .reply(let reply): replies.append(reply)
                case .openQueue: queue = session.queueOpened(QueueID("0000000000BCDF")!, now: 0) + queue
                case .commitQueue:
                    committed += 1
                    queue = session.queueCommitted(QueueID("0000000000BCDF")!) + queue
                case .startTLS: queue = session.tlsStarted() + queue
                case .authenticate(let user, let password):
                    queue = session.authenticationChecked(user: user, accepted: user == "alice" && password == "secret") + queue
                case .checkRecipient(let address):
                    queue = session.recipientChecked(refusal: lookup(address)) + queue
                case .writeContent, .flush, .abortQueue, .close: break
                }
            }
        }
        perform(session.start(), &session)
        func deliver() {
            var input = ByteBuffer(bytes: pending)
            pending = []
            while true {
                let actions = session.advance(&input)
                if actions.isEmpty { break }
                perform(actions, &session)
            }
        }
        for line in lines {
            switch line {
            case .send(let bytes): pending += bytes
            case .expect(let code, let enhanced):
                if !pending.isEmpty { deliver() }
                guard cursor < replies.count else { return "\(name): expected \(code), got no reply (replies so far \(replies.map(\.code)))" }
                let reply = replies[cursor]
                cursor += 1
                if reply.code != code || (enhanced.map { reply.enhanced != $0 } ?? false) {
                    return "\(name): reply \(cursor) expected \(code) \(enhanced ?? ""), got \(reply)"
                }
            case .committed(let count):
                if !pending.isEmpty { deliver() }
                if committed != count { return "\(name): expected \(count) queued, got \(committed)" }
            }
        }
        return nil
    }
}
