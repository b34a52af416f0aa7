// Outgoing SMTP connections: at most `total` in all and `perDestination` to one
// destination; a connection that finished a message waits a few seconds for the next
// message to the same destination before it says QUIT (connection reuse).
import Logging
import MailCore
import NIOCore
import NIOSSL
import SMTP

/// Hands messages to connections.
actor OutboundPool {
    private struct IdleConnection {
        let id: UInt64
        let jobs: AsyncStream<OutboundJob>.Continuation
        let since: ContinuousClock.Instant
    }

    private let total: Int
    private let perDestination: Int
    private let idleTime: Duration
    private let heloName: String
    private let tls: NIOSSLContext?
    private let logger: Logger
    private var idle: [Destination: [IdleConnection]] = [:]
    private var open: [Destination: Int] = [:]
    private var openTotal = 0
    /// What a waiting delivery is given: room for a new connection, or an idle one.
    private enum Grant {
        case slot
        case connection(IdleConnection)
    }

    private var waiting: [(Destination, CheckedContinuation<Grant, Never>)] = []
    private var nextID: UInt64 = 0
    private var sweeper: Task<Void, Never>?

    init(total: Int, perDestination: Int, idleTime: Duration = .seconds(5), heloName: String, tls: NIOSSLContext?, logger: Logger) {
        self.total = max(1, total)
        self.perDestination = max(1, perDestination)
        self.idleTime = idleTime
        self.heloName = heloName
        self.tls = tls
        self.logger = logger
    }

    /// Sends one message to `destination`, on an idle connection when there is one.
    func deliver(_ message: OutgoingMessage, to destination: Destination, contentLength: UInt64,
                 content: @escaping @Sendable (UInt64, Int) async throws -> ByteBuffer) async -> OutboundResult {
        while true {
            let grant: Grant
            if let connection = takeIdle(destination) {
                grant = .connection(connection)
            } else if fits(destination) {
                take(destination)
                grant = .slot
            } else {
                grant = await withCheckedContinuation { waiting.append((destination, $0)) }
            }
            switch grant {
            case .slot:
                return await withCheckedContinuation { continuation in
                    let job = OutboundJob(message: message, content: content, contentLength: contentLength, result: continuation)
                    start(destination, first: job)
                }
            case .connection(let connection):
                let result = await withCheckedContinuation { continuation in
                    let job = OutboundJob(message: message, content: content, contentLength: contentLength, result: continuation)
                    if case .terminated = connection.jobs.yield(job) {
                        continuation.resume(returning: .unusable(Reply(451, "4.4.2", "idle connection closed")))
                    }
                }
                // A reused connection the server had closed: try another one.
                if case .unusable = result { continue }
                return result
            }
        }
    }

    private func start(_ destination: Destination, first: OutboundJob) {
        nextID += 1
        let id = nextID
        let (jobs, continuation) = AsyncStream.makeStream(of: OutboundJob.self)
        let connection = OutboundConnection(
            destination: destination,
            settings: .init(heloName: heloName, tlsPossible: tls != nil, tlsRequired: destination.tlsRequired),
            tls: tls, logger: logger)
        // Detached: the connection's work must not run on the pool's actor.
        Task.detached {
            await connection.run(first: first, more: jobs) { await self.checkIn(destination, id: id, jobs: continuation) }
            await self.ended(destination, id: id)
        }
    }

    private func takeIdle(_ destination: Destination) -> IdleConnection? {
        guard var list = idle[destination], !list.isEmpty else { return nil }
        let connection = list.removeLast()
        idle[destination] = list.isEmpty ? nil : list
        return connection
    }

    private func checkIn(_ destination: Destination, id: UInt64, jobs: AsyncStream<OutboundJob>.Continuation) {
        let connection = IdleConnection(id: id, jobs: jobs, since: .now)
        if let index = waiting.firstIndex(where: { $0.0 == destination }) {
            waiting.remove(at: index).1.resume(returning: .connection(connection))
            return
        }
        idle[destination, default: []].append(connection)
        if sweeper == nil {
            sweeper = Task.detached { [idleTime] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: idleTime / 2)
                    await self.sweep()
                }
            }
        }
    }

    /// Ends connections idle longer than `idleTime` (they QUIT).
    private func sweep() {
        let limit = ContinuousClock.now - idleTime
        for (destination, list) in idle {
            let (old, fresh) = (list.filter { $0.since < limit }, list.filter { $0.since >= limit })
            for connection in old { connection.jobs.finish() }
            idle[destination] = fresh.isEmpty ? nil : fresh
        }
    }

    private func ended(_ destination: Destination, id: UInt64) {
        idle[destination]?.removeAll { $0.id == id }
        if idle[destination]?.isEmpty == true { idle[destination] = nil }
        open[destination, default: 1] -= 1
        if open[destination] == 0 { open[destination] = nil }
        openTotal -= 1
        if let index = waiting.firstIndex(where: { fits($0.0) }) {
            let (waiter, continuation) = waiting.remove(at: index)
            take(waiter)
            continuation.resume(returning: .slot)
        }
    }

    private func fits(_ destination: Destination) -> Bool {
        openTotal < total && open[destination, default: 0] < perDestination
    }

    private func take(_ destination: Destination) {
        openTotal += 1
        open[destination, default: 0] += 1
    }
}
