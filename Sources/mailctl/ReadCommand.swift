// `mailctl read N`: print message N of the mailbox listing and mark it seen.
import ArgumentParser
import MailCore
import MailWire
import NIOCore
import TernRuntime

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Print message N of your mailbox and mark it seen.")

    @Argument(help: "The message number, as `mailctl mailbox` lists it.")
    var number: UInt32

    @Option(name: .long, help: "Whose mailbox (root only; default: yours).")
    var user: String = ""

    @Flag(name: .long, help: "Print the stored file byte for byte, without decoding RFC 2047 encoded words in the header.")
    var raw = false

    func validate() throws { try Exit.checkMailboxName(user) }

    func run() async throws {
        let context = try DaemonContext.load()
        let failure: Reply?
        let raw = raw
        do {
            failure = try await MailWireClient.withConnection(path: context.paths.deliverSocket, name: "mailctl") { peer in
                try await peer.send(.mailboxRead(user: user, number: number), requestID: peer.nextRequestID())
                var message = ByteBuffer()
                while true {
                    switch try await peer.expect().message {
                    case .chunk(var content):
                        message.writeBuffer(&content)
                    case .ok:
                        let text = raw ? Array(message.readableBytesView) : Self.decodedHeader(Array(message.readableBytesView))
                        _ = text.withUnsafeBytes { writeStandardOutput($0) }
                        return nil
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

    /// The message with RFC 2047 encoded words in its header section decoded; the body as stored.
    static func decodedHeader(_ message: [UInt8]) -> [UInt8] {
        var end = message.count
        if let index = message.indices.dropLast().first(where: { message[$0] == 10 && message[$0 + 1] == 10 }) { end = index + 1 }
        let header = EncodedWords.decode(String(decoding: message[..<end], as: UTF8.self))
        return Array(header.utf8) + message[end...]
    }
}
