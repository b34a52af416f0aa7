// tern-mtad: the queue manager. Accepts messages over MailWire (`queue` socket), delivers
// small local ones at once or keeps them durably in the queue directory, delivers those
// through tern-deliverd or SMTP, retries temporary failures, reports failures and delays;
// on start it rescans the queue, validates every file and resumes where the saved
// per-recipient state left off.
import Glibc
import Queue
import TernRuntime

Daemon.runTasksOnEventLoops()
await Daemon.run(identifier: "tern-mtad") { context, sockets, logger in
    let configuration = context.configuration
    let executor = BlockingExecutor()
    let store = try QueueStore(directory: context.paths.queueDirectory, runner: executor, groupCommit: configuration.queueGroupCommit)
    let transportText = try configuration.transportTable.isEmpty ? "" : readTextFile(configuration.transportTable)
    let deliverd = MailWirePool(path: context.paths.deliverSocket, name: "tern-mtad", capacity: configuration.deliveryConcurrency)
    let local = LocalDeliveryAgent(deliverd: deliverd, store: store, logger: logger)
    let agent = RoutingAgent(
        local: local,
        remote: try RemoteDeliveryAgent(configuration: configuration, store: store, transportText: transportText, logger: logger),
        localDomains: Set(configuration.localDomains))
    let manager = QueueManager(
        store: store, runner: executor, agent: agent,
        settings: .init(concurrency: configuration.deliveryConcurrency,
                        retry: RetrySchedule(minimum: configuration.retryMinimum, maximum: configuration.retryMaximum),
                        localDomains: Set(configuration.localDomains), lifetime: configuration.queueLifetime,
                        delayWarning: configuration.delayWarning, hostname: configuration.hostname),
        logger: logger, now: { Int64(time(nil)) })
    let scan = try await executor.run { try store.scan() }
    for (name, reason) in scan.quarantined {
        logger.error("moved an invalid queue file to corrupt/", metadata: ["queue.id": "\(name)", "reason": "\(reason)"])
    }
    for (name, reason) in scan.damagedStates {
        logger.error("ignored a damaged state file; its recipients are tried again", metadata: ["queue.id": "\(name)", "reason": "\(reason)"])
    }
    for (message, state) in scan.messages { await manager.add(message, state: state, recovered: true) }
    let direct = configuration.directDelivery
        ? DirectDelivery(agent: local, localDomains: Set(configuration.localDomains), concurrency: configuration.deliveryConcurrency)
        : nil
    let requests = MTARequests(store: store, manager: manager, direct: direct, configuration: configuration, logger: logger)
    let listeners = try await Listeners.open(
        "queue", from: sockets, fallback: sockets.isSocketActivated ? nil : .unix(path: context.paths.queueSocket),
        logger: logger, initializer: MailWireServer.configure)
    let server = ConnectionServer(listeners: listeners, eventLoop: { $0.channel.eventLoop }) { connection in
        await MailWireServer.serve(connection, name: "tern-mtad", logger: logger) { message, id, peer, peerUID in
            try await requests.handle(message, requestID: id, peer: peer, peerUID: peerUID)
        }
    }
    // The pool stops after the deliveries that use it.
    return ([deliverd, server, RetryTimer(manager: manager)], "queue scanned: \(scan.messages.count) messages")
}
