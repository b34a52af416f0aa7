// `mailctl log QUEUE_ID`: one message's path through tern-submitd, tern-mtad and
// tern-deliverd, read from the journal (every entry about it carries QUEUE_ID=).
import ArgumentParser
import MailCore
import Systemd

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show a message's journal entries from every daemon as one timeline.",
        discussion: "Reading the system journal needs root or membership of the systemd-journal or adm group.")

    @Argument(help: "The queue ID, as mailctl send, mailctl queue or the journal show it.")
    var queueID: String

    @Flag(name: .long, help: "One JSON object per entry and line.")
    var json = false

    func validate() throws {
        guard QueueID(queueID) != nil else { throw ValidationError("not a queue ID: \(queueID)") }
    }

    func run() async throws {
        let entries: [JournalEntry]
        do {
            entries = try JournalReader.entries(matching: ["QUEUE_ID=\(queueID)"])
        } catch {
            throw Exit.unreachable("the journal", error)
        }
        guard !entries.isEmpty else {
            Exit.printError("no journal entries for \(queueID) (is it the right ID, and may you read the system journal?)")
            throw Exit.noInput
        }
        let records = entries.map { LogRecord(time: $0.realtime, fields: $0.fields) }
        print(json ? LogTimelineFormat.json(records) : LogTimelineFormat.text(records), terminator: "")
    }
}
