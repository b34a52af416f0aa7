// tern-local: delivers messages into one Maildir, and serves reads of it, as the
// mailbox's owner (the qmail-local / OpenSMTPD mail.maildir model). tern-deliverd keeps
// one running per busy mailbox and sends it requests on fd 3 (deliveries may come back to
// back, as a batch) until it closes the socket. Started as root it gives the mailbox to the
// user, becomes the user and only then touches the Maildir; started as anyone else it works
// as that user. It is single-threaded, so dropping privileges with setuid(2) is sound. Exit
// status (sysexits): 0 the socket was closed between requests, 64 bad command line, 76 a
// MailWire error (a request it does not serve, a malformed or truncated frame, a DELIVER
// whose octet count does not match), 75 any other failure of the socket (a time limit, an
// answer that could not be sent).
import Glibc
import MailWire

umask(0o022)
guard let arguments = HelperArguments(Array(CommandLine.arguments.dropFirst())) else {
    let usage = "usage: tern-local (--spool DIR --name NAME | --home DIR --folder PATH) [--uid N --gid N] [--hostname H] [--create]\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(64)
}
let channel = BlockingFrameChannel(descriptor: 3)
let requests = MailboxRequests(arguments: arguments, channel: channel)
do {
    while let (request, requestID) = try channel.receive() {
        try requests.answer(request, requestID: requestID)
    }
    // The end of the stream is input too: a batch may still wait in `tmp/`. tern-deliverd
    // is gone, so its answers are not sent (a write would raise SIGPIPE).
    try requests.finishBatch(answering: false)
    exit(0)
} catch {
    // A broken stream ends the helper, but the batch's complete copies are still placed in
    // `new/`, unanswered, so that their retries find them by name.
    try? requests.finishBatch(answering: false)
    exit(error is MailWireError ? 76 : 75)
}
