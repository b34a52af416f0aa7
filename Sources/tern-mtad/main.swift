// tern-mtad: the queue manager. Accepts messages over MailWire (`queue` socket), keeps
// them durably in the queue directory, delivers them through tern-deliverd and retries
// temporary failures; on start it rescans the queue and resumes.
import Glibc
import Queue
import TernRuntime

await Daemon.run(identifier: "tern-mtad") { context, sockets, logger in
    let configuration = context.configuration
    let store = try QueueStore(directory: context.paths.queueDirectory)
    let executor = BlockingExecutor()
    let manager = QueueManager(
        store: store, agent: LocalDeliveryAgent(socketPath: context.paths.deliverSocket, store: store, logger: logger),
        settings: .init(concurrency: configuration.deliveryConcurrency,
                        retry: RetrySchedule(minimum: configuration.retryMinimum, maximum: configuration.retryMaximum),
                        localDomains: Set(configuration.localDomains)),
        logger: logger, now: { Int64(time(nil)) },
        removeFile: { id in _ = try? await executor.run { try store.remove(id) } })
    let (messages, quarantined) = try await executor.run { try store.scan() }
    for (name, reason) in quarantined {
        logger.error("moved an invalid queue file to corrupt/", metadata: ["queue.file": "\(name)", "reason": "\(reason)"])
    }
    for message in messages { await manager.add(message, recovered: true) }
    let requests = MTARequests(store: store, manager: manager, logger: logger)
    let listeners = try await Listeners.open(
        "queue", from: sockets, fallback: sockets.isSocketActivated ? nil : .unix(path: context.paths.queueSocket),
        logger: logger, initializer: MailWireServer.configure)
    let server = ConnectionServer(listeners: listeners) { connection in
        let peerUID = await PeerCredentials.of(connection.channel)?.uid
        await MailWireServer.serve(connection, name: "tern-mtad", logger: logger) { message, id, peer in
            try await requests.handle(message, requestID: id, peer: peer, peerUID: peerUID)
        }
    }
    return ([server, RetryTimer(manager: manager)], "queue scanned: \(messages.count) messages")
}
