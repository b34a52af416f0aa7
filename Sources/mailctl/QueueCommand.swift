// `mailctl queue`: list the queue the way mailq does (or as JSON lines).
import ArgumentParser
import MailCore
import MailWire
import TernRuntime

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "List the mail queue.")

    @Flag(name: .long, help: "One JSON object per message and line.")
    var json = false

    func run() async throws {
        let context = try DaemonContext.load()
        let answer: Message
        do {
            answer = try await MailWireClient.withConnection(path: context.paths.queueSocket, name: "mailctl") { peer in
                try await peer.send(.queueList, requestID: peer.nextRequestID())
                return try await peer.expect().message
            }
        } catch {
            throw Exit.unreachable("tern-mtad", error)
        }
        switch answer {
        case .queueListing(let entries):
            print(json ? QueueListingFormat.json(entries) : QueueListingFormat.text(entries), terminator: "")
        case .error(let reply):
            throw Exit.refused("queue", reply)
        default:
            throw Exit.unreachable("tern-mtad", MailWireError.unexpected(answer.type))
        }
    }
}
