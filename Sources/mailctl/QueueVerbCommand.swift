// `mailctl queue flush|hold|release|delete|requeue|expire [ID]`: one QUEUE_CONTROL request
// each (Postfix's postqueue -f / -i and postsuper -h / -H / -d / -r).
import ArgumentParser
import MailCore
import MailWire

/// The arguments every verb takes.
struct QueueVerbOptions: ParsableArguments {
    @Argument(help: "The queue ID (optional for flush: every message).")
    var id: String?

    @Flag(name: .long, help: "One JSON object.")
    var json = false
}

/// One verb: its action, and the shared request and output.
protocol QueueVerbCommand: AsyncParsableCommand {
    static var action: QueueAction { get }
    var options: QueueVerbOptions { get }
}

extension QueueVerbCommand {
    func validate() throws {
        if options.id == nil && Self.action != .flush { throw ValidationError("\(Self.action.name) needs a queue ID") }
    }

    func run() async throws {
        let queueID = try options.id.map(QueueCommand.queueID)
        let request = Message.queueControl(Self.action, queueID)
        guard case .ok(let result) = try await QueueCommand.ask(request, what: "queue \(Self.action.name)") else {
            throw Exit.unreachable("tern-mtad", MailWireError.unexpected(.queueControl))
        }
        print(options.json ? QueueReportFormat.json(action: Self.action, queueID: queueID, result: result) : result)
    }

    static func verb(_ abstract: String) -> CommandConfiguration {
        CommandConfiguration(commandName: action.name, abstract: abstract)
    }
}

struct QueueFlushCommand: QueueVerbCommand {
    static let action = QueueAction.flush
    static let configuration = verb("Try a message (or every message) now.")
    @OptionGroup var options: QueueVerbOptions
}

struct QueueHoldCommand: QueueVerbCommand {
    static let action = QueueAction.hold
    static let configuration = verb("Stop attempting a message until released.")
    @OptionGroup var options: QueueVerbOptions
}

struct QueueReleaseCommand: QueueVerbCommand {
    static let action = QueueAction.release
    static let configuration = verb("Release a held message and try it now.")
    @OptionGroup var options: QueueVerbOptions
}

struct QueueDeleteCommand: QueueVerbCommand {
    static let action = QueueAction.delete
    static let configuration = verb("Remove a message without any report.")
    @OptionGroup var options: QueueVerbOptions
}

struct QueueRequeueCommand: QueueVerbCommand {
    static let action = QueueAction.requeue
    static let configuration = verb("Forget a message's attempts and warnings and try it now.")
    @OptionGroup var options: QueueVerbOptions
}

struct QueueExpireCommand: QueueVerbCommand {
    static let action = QueueAction.expire
    static let configuration = verb("Fail a message now and send the failure report.")
    @OptionGroup var options: QueueVerbOptions
}
