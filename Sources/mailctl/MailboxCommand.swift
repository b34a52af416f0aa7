// `mailctl mailbox`: list the caller's Maildir (root may name any user).
import ArgumentParser
import MailCore
import MailWire
import TernRuntime

struct MailboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mailbox", abstract: "List the messages in your mailbox.")

    @Option(name: .long, help: "Whose mailbox (root only; default: yours).")
    var user: String = ""

    @Flag(name: .long, help: "One JSON object per message and line.")
    var json = false

    func validate() throws { try Exit.checkMailboxName(user) }

    func run() async throws {
        let context = try DaemonContext.load()
        let answer: Message
        do {
            answer = try await MailWireClient.withConnection(path: context.paths.deliverSocket, name: "mailctl") { peer in
                try await peer.send(.mailboxList(user: user), requestID: peer.nextRequestID())
                return try await peer.expect().message
            }
        } catch {
            throw Exit.unreachable("tern-deliverd", error)
        }
        switch answer {
        case .mailboxListing(let entries):
            print(json ? MailboxListingFormat.json(entries) : MailboxListingFormat.text(entries), terminator: "")
        case .error(let reply):
            throw Exit.refused("mailbox", reply)
        default:
            throw Exit.unreachable("tern-deliverd", MailWireError.unexpected(answer.type))
        }
    }
}
