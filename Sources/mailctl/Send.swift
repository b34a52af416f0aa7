// `mailctl send`: compose a plain-text message (RFC 5322) from options and stdin and
// submit it over tern-submitd's local socket.
import ArgumentParser
import Glibc
import MailCore
import TernRuntime

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a message; the body is read from standard input.")

    @Option(name: .long, help: "A recipient address (repeat for several).")
    var to: [String]

    @Option(name: .long, help: "The Subject header.")
    var subject: String = ""

    @Option(name: .long, help: "The sender address (default: your login name at this host).")
    var from: String?

    func validate() throws {
        guard !to.isEmpty else { throw ValidationError("give at least one --to address") }
        for address in to + [from].compactMap({ $0 }) where MailAddress.domain(of: address) == nil || address.contains(where: { $0 == "<" || $0 == ">" || $0 == "\n" || $0 == "\r" }) {
            throw ValidationError("not a mailbox address: \(address)")
        }
        guard !subject.contains(where: { $0 == "\n" || $0 == "\r" }) else { throw ValidationError("the subject must be one line") }
    }

    func run() async throws {
        let context = try DaemonContext.load()
        let hostname = context.configuration.hostname
        let sender = from ?? "\(UserAccounts.name(uid: getuid()) ?? "nobody")@\(hostname)"
        var message = "From: \(sender)\nTo: \(to.joined(separator: ", "))\nSubject: \(subject)\n"
        message += "Date: \(InternetDate.format(unixSeconds: Int64(time(nil))))\n"
        message += "Message-ID: <\(time(nil)).\(getpid()).\(UInt32.random(in: 0...UInt32.max))@\(hostname)>\n"
        message += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        let bytes = Array(message.utf8) + readStandardInput()
        switch await LocalSubmission.submit(path: context.paths.submitSocket, hostname: hostname,
                                            envelope: Envelope(reversePath: sender, recipients: to), message: bytes) {
        case .success(let reply):
            print(reply.lines.joined(separator: " ").replacingFirst("Ok: ", with: ""))
        case .failure(let failure):
            guard let reply = failure.reply else { throw Exit.unreachable("tern-submitd", failure) }
            throw Exit.refused(failure.stage, reply)
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
