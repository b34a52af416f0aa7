// `mailctl queue`: inspect and control tern-mtad's queue, the verbs of Postfix's postqueue
// and postsuper. Every verb takes `--json`; the human list is mailq's.
import ArgumentParser
import MailCore
import MailWire
import TernRuntime

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "List and control the mail queue.",
        subcommands: [QueueListCommand.self, QueueShowCommand.self, QueueFlushCommand.self, QueueHoldCommand.self,
                      QueueReleaseCommand.self, QueueDeleteCommand.self, QueueRequeueCommand.self, QueueExpireCommand.self,
                      QueueVerifyCommand.self],
        defaultSubcommand: QueueListCommand.self)

    /// Sends one request to tern-mtad and returns its final answer; an ERROR answer exits
    /// with the status `Exit.refused` gives it.
    static func ask(_ request: Message, what: String) async throws -> Message {
        let context = try DaemonContext.load()
        let answer: Message
        do {
            answer = try await MailWireClient.withConnection(path: context.paths.queueSocket, name: "mailctl") { peer in
                try await peer.send(request, requestID: peer.nextRequestID())
                return try await peer.expect().message
            }
        } catch {
            throw Exit.unreachable("tern-mtad", error)
        }
        if case .error(let reply) = answer { throw Exit.refused(what, reply) }
        return answer
    }

    /// A queue ID argument, checked before anything is sent.
    static func queueID(_ text: String) throws -> QueueID {
        guard let id = QueueID(text) else { throw ValidationError("not a queue ID: \(text)") }
        return id
    }
}

/// `mailctl queue [list]`.
struct QueueListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the queue as mailq does.")

    @Flag(name: .long, help: "One JSON object per message and line.")
    var json = false

    func run() async throws {
        guard case .queueListing(let entries) = try await QueueCommand.ask(.queueList, what: "queue") else {
            throw Exit.unreachable("tern-mtad", MailWireError.unexpected(.queueList))
        }
        print(json ? QueueListingFormat.json(entries) : QueueListingFormat.text(entries), terminator: "")
    }
}

/// `mailctl queue show ID`.
struct QueueShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one message: envelope, attempts, headers.")

    @Argument(help: "The queue ID.")
    var id: String

    @Flag(name: .long, help: "One JSON object.")
    var json = false

    func run() async throws {
        let queueID = try QueueCommand.queueID(id)
        guard case .queueDetail(let detail) = try await QueueCommand.ask(.queueShow(queueID), what: "queue show") else {
            throw Exit.unreachable("tern-mtad", MailWireError.unexpected(.queueShow))
        }
        print(json ? QueueDetailFormat.json(detail) : QueueDetailFormat.text(detail), terminator: "")
    }
}

/// `mailctl queue verify`: exits 65 (DATAERR) when a file is damaged.
struct QueueVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check every queue file; quarantine damaged ones.")

    @Flag(name: .long, help: "One JSON object.")
    var json = false

    func run() async throws {
        guard case .queueReport(let report) = try await QueueCommand.ask(.queueVerify, what: "queue verify") else {
            throw Exit.unreachable("tern-mtad", MailWireError.unexpected(.queueVerify))
        }
        print(json ? QueueReportFormat.json(report) : QueueReportFormat.text(report), terminator: "")
        if !report.problems.isEmpty { throw Exit.dataError }
    }
}
