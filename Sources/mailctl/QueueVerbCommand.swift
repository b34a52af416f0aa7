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
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: action.name, abstract: action.summary)
    }

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
}

struct QueueFlushCommand: QueueVerbCommand {
    static let action = QueueAction.flush
    @OptionGroup var options: QueueVerbOptions
}

struct QueueHoldCommand: QueueVerbCommand {
    static let action = QueueAction.hold
    @OptionGroup var options: QueueVerbOptions
}

struct QueueReleaseCommand: QueueVerbCommand {
    static let action = QueueAction.release
    @OptionGroup var options: QueueVerbOptions
}

struct QueueDeleteCommand: QueueVerbCommand {
    static let action = QueueAction.delete
    @OptionGroup var options: QueueVerbOptions
}

struct QueueRequeueCommand: QueueVerbCommand {
    static let action = QueueAction.requeue
    @OptionGroup var options: QueueVerbOptions
}

struct QueueExpireCommand: QueueVerbCommand {
    static let action = QueueAction.expire
    @OptionGroup var options: QueueVerbOptions
}
