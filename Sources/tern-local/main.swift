// tern-local: delivers one message into one Maildir, or serves one mailbox read, as the
// mailbox's owner. tern-deliverd spawns it per request (the qmail-local / OpenSMTPD
// mail.maildir model): started as root it gives the mailbox to the user, becomes the user
// and only then touches the Maildir; started as anyone else it works as that user. It is
// single-threaded, so dropping privileges with setuid(2) is sound. Exit status (sysexits):
// 0 answered, 64 bad command line, 75 no request or the answer could not be sent, 76 a
// request it does not serve.
import Glibc
import MailWire

umask(0o022)
guard let arguments = HelperArguments(Array(CommandLine.arguments.dropFirst())) else {
    let usage = "usage: tern-local (--spool DIR --name NAME | --home DIR --folder PATH) [--uid N --gid N] [--hostname H]\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(64)
}
let channel = FrameChannel(descriptor: 3)
do {
    guard let (request, requestID) = try channel.receive() else { exit(75) }
    try MailboxRequests(arguments: arguments, channel: channel).answer(request, requestID: requestID)
    exit(0)
} catch is MailWireError {
    exit(76)
} catch {
    exit(75)
}
