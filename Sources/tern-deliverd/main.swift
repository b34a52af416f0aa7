// tern-deliverd: local delivery into Maildir mailboxes (`deliver` socket, MailWire) through
// tern-local, recipient checks for tern-submitd, and mailbox reads for mailctl, each caller
// identified by SO_PEERCRED.
import TernRuntime

Daemon.runTasksOnEventLoops()
await Daemon.run(identifier: "tern-deliverd") { context, sockets, logger in
    let requests = DeliveryRequests(context: context, logger: logger)
    let listeners = try await Listeners.open(
        "deliver", from: sockets, fallback: sockets.isSocketActivated ? nil : .unix(path: context.paths.deliverSocket),
        logger: logger, initializer: MailWireServer.configure)
    let server = ConnectionServer(listeners: listeners, eventLoop: { $0.channel.eventLoop }) { connection in
        await MailWireServer.serve(connection, name: "tern-deliverd", logger: logger) { message, id, peer, peerUID in
            try await requests.handle(message, requestID: id, peer: peer, peerUID: peerUID)
        }
    }
    return ([server], "delivering to \(context.paths.mailRoot)")
}
