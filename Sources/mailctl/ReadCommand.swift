// `mailctl read N`: print message N of the mailbox listing and mark it seen.
import ArgumentParser
import MailCore
import MailWire
import TernRuntime

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Print message N of your mailbox and mark it seen.")

    @Argument(help: "The message number, as `mailctl mailbox` lists it.")
    var number: UInt32

    @Option(name: .long, help: "Whose mailbox (root only; default: yours).")
    var user: String = ""

    func run() async throws {
        let context = try DaemonContext.load()
        let failure: Reply?
        do {
            failure = try await MailWireClient.withConnection(path: context.paths.deliverSocket, name: "mailctl") { peer in
                try await peer.send(.mailboxRead(user: user, number: number), requestID: peer.nextRequestID())
                while true {
                    switch try await peer.expect().message {
                    case .chunk(let content):
                        _ = content.withUnsafeReadableBytes { writeStandardOutput($0) }
                    case .ok: return nil
                    case .error(let reply): return reply
                    case let other: throw MailWireError.unexpected(other.type)
                    }
                }
            }
        } catch {
            throw Exit.unreachable("tern-deliverd", error)
        }
        if let failure { throw Exit.refused("read \(number)", failure) }
    }
}
