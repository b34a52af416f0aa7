// tern-submitd: the SMTP server (RFC 5321) on the `submit` (AF_UNIX) and `smtp` (TCP)
// sockets; hands every message to tern-mtad and answers 250 only once it is durable.
import TernRuntime

Daemon.runTasksOnEventLoops()
await Daemon.run(identifier: "tern-submitd") { context, sockets, logger in
    let smtp = try SMTPServer(context: context, logger: logger)
    let activated = sockets.isSocketActivated
    let local = try await Listeners.open(
        "submit", from: sockets, fallback: activated ? nil : .unix(path: context.paths.submitSocket),
        logger: logger, initializer: smtp.configure)
    let network = try await Listeners.open(
        "smtp", from: sockets, fallback: activated ? nil : ListenAddress.tcp(context.configuration.smtpListen),
        logger: logger, initializer: smtp.configure)
    let server = ConnectionServer(listeners: local + network, noun: "SMTP session", eventLoop: { $0.channel.eventLoop }) { connection in await smtp.serve(connection) }
    // The pools stop after the server, whose sessions use them to the end.
    return ([smtp.queue, smtp.deliverd, server], "accepting SMTP on \(local.count + network.count) sockets")
}
