// Persistent MailWire connections from one daemon to another, so a message does not pay
// for a connect, a handshake and a server task of its own (protocols/mailwire.md
// §Requests: a connection carries any number of requests, one at a time). A connection is
// lent to one request at a time and taken back only once that request has its final
// answer; anything else closes it. A request that fails on a reused connection before the
// server answered anything and before COMMIT or END is run again once on a new connection:
// the server discards such a request (§Closing), so nothing is queued or delivered twice.
import MailWire
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Persistent connections to one MailWire server. Thread-safe.
///
/// Run it in the daemon's `ServiceGroup` before the services that use it, so it stops
/// after them; while it is not running, every request gets a connection of its own.
public final class MailWirePool: Service, Sendable {
    private struct State {
        var idle: [Lease] = []
        /// Pooled connections alive, idle or lent.
        var open = 0
        var running = false
        var stopping = false
    }


    private let path: String
    private let name: String
    private let capacity: Int
    private let idleTimeout: Duration
    private let state = NIOLockedValueBox(State())
    private let openings: AsyncStream<Opening>
    private let openingsInput: AsyncStream<Opening>.Continuation

    /// - Parameters:
    ///   - path: the server's socket, e.g. `/run/tern/queue.sock`.
    ///   - name: this program's name, sent in HELLO.
    ///   - capacity: most connections kept; requests beyond it get a connection of their own.
    ///   - idleTimeout: an unused connection is closed after this long, so the server can
    ///     go idle and exit (`idle_timeout`) once the traffic stops.
    public init(path: String, name: String, capacity: Int = 32, idleTimeout: Duration = .seconds(2)) {
        self.path = path
        self.name = name
        self.capacity = capacity
        self.idleTimeout = idleTimeout
        (openings, openingsInput) = AsyncStream.makeStream(of: Opening.self)
    }

    /// Runs `body` with a connection after the handshake, one request at a time.
    ///
    /// `body` runs a second time, on a new connection, when it throws on a reused
    /// connection before any frame of the answer arrived and before it sent COMMIT or END;
    /// it must be safe to repeat then (the server discarded the first attempt).
    /// - Throws: connection errors, `MailWireError`, `MailWireRefused` when the server
    ///   refuses the handshake, and what `body` throws.
    public func withConnection<T: Sendable>(_ body: (MailWirePeer) async throws -> T) async throws -> T {
        guard let (lease, reused) = try await borrow(fresh: false) else {
            return try await MailWireClient.withConnection(path: path, name: name, body)
        }
        do {
            return try await run(body, on: lease)
        } catch {
            guard reused, !lease.peer.answerStarted, !lease.peer.committed else { throw error }
            // The server closed this idle connection (its idle exit, a restart) before
            // the request reached it.
            guard let (fresh, _) = try await borrow(fresh: true) else {
                return try await MailWireClient.withConnection(path: path, name: name, body)
            }
            return try await run(body, on: fresh)
        }
    }

    private func run<T>(_ body: (MailWirePeer) async throws -> T, on lease: Lease) async throws -> T {
        let result: T
        do {
            result = try await body(lease.peer)
        } catch {
            giveBack(lease, reusable: false)
            throw error
        }
        giveBack(lease, reusable: !lease.peer.requestOpen)
        return result
    }

    /// An idle live connection (preferably one on the calling thread's event loop, so the
    /// request wakes no other thread), else a new pooled one; nil when the pool cannot
    /// take more (full, stopping or not running).
    private func borrow(fresh: Bool) async throws -> (Lease, reused: Bool)? {
        enum Choice { case reuse(Lease), retire(Lease), open, none }
        while true {
            let choice: Choice = state.withLockedValue { state in
                if !fresh, let index = state.idle.lastIndex(where: { $0.connection.channel.eventLoop.inEventLoop })
                    ?? state.idle.indices.last {
                    let lease = state.idle.remove(at: index)
                    if lease.connection.channel.isActive { return .reuse(lease) }
                    state.open -= 1
                    return .retire(lease)
                }
                guard state.running, !state.stopping, state.open < capacity else { return .none }
                state.open += 1
                return .open
            }
            switch choice {
            case .reuse(let lease): return (lease, true)
            case .retire(let lease): lease.retire()
            case .none: return nil
            case .open:
                let connection: MailWireConnection
                do {
                    connection = try await MailWireClient.connect(path: path)
                    let lease = try await withCheckedThrowingContinuation { ready in
                        openingsInput.yield(Opening(connection: connection, ready: ready))
                    }
                    return (lease, false)
                } catch is PoolStopped {
                    // `run` ended before it took the connection: this request goes alone.
                    state.withLockedValue { $0.open -= 1 }
                    return nil
                } catch {
                    state.withLockedValue { $0.open -= 1 }
                    throw error
                }
            }
        }
    }

    /// Takes a connection back after a request; one whose request did not end cleanly,
    /// or that the peer closed, is closed.
    private func giveBack(_ lease: Lease, reusable: Bool) {
        let kept = state.withLockedValue { state in
            guard reusable, !state.stopping, lease.connection.channel.isActive else {
                state.open -= 1
                return false
            }
            lease.lastUsed = .now
            state.idle.append(lease)
            return true
        }
        if !kept { lease.retire() }
    }

    /// True while `run` serves the pool (tests wait for it).
    var isRunning: Bool { state.withLockedValue { $0.running && !$0.stopping } }

    /// Owns the pooled connections (each lives in a task of this service) and closes
    /// idle ones; on graceful shutdown closes the idle ones and those given back later.
    public func run() async throws {
        state.withLockedValue { $0.running = true }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.closeIdleConnections() }
                for await opening in openings {
                    group.addTask { await self.own(opening) }
                }
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    private func stop() {
        let idle = state.withLockedValue { state in
            state.stopping = true
            defer { state.open -= state.idle.count; state.idle = [] }
            return state.idle
        }
        for lease in idle { lease.retire() }
        openingsInput.finish()
    }

    /// Every second, closes the connections unused for `idleTimeout`.
    private func closeIdleConnections() async {
        while !state.withLockedValue({ $0.stopping }) {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let deadline = ContinuousClock.now - idleTimeout
            let expired = state.withLockedValue { state in
                let expired = state.idle.filter { $0.lastUsed < deadline }
                state.idle.removeAll { $0.lastUsed < deadline }
                state.open -= expired.count
                return expired
            }
            for lease in expired { lease.retire() }
        }
    }

    /// Holds one connection open until it is retired, then closes it.
    private func own(_ opening: Opening) async {
        defer { opening.connection.channel.close(promise: nil) }
        do {
            let peer = MailWirePeer(opening.connection)
            try await MailWireClient.handshake(peer, name: name)
            let lease = Lease(peer: peer, connection: opening.connection)
            await withTaskCancellationHandler {
                await withCheckedContinuation { retired in
                    lease.waitForRetirement(retired)
                    opening.resume(.success(lease))
                }
            } onCancel: {
                lease.retire()
            }
        } catch {
            opening.resume(.failure(error))
        }
    }
}

/// A connection being opened, handed to `run`, whose task owns it until it closes. The
/// borrower waiting for it is answered exactly once: with the ready connection, the
/// handshake's error, or `PoolStopped` when `run` dropped it untaken (the stream was
/// finished or cancelled), in which case the connection is closed here.
private final class Opening: Sendable {
    let connection: MailWireConnection
    private let ready: NIOLockedValueBox<CheckedContinuation<Lease, any Error>?>

    init(connection: MailWireConnection, ready: CheckedContinuation<Lease, any Error>) {
        self.connection = connection
        self.ready = NIOLockedValueBox(ready)
    }

    func resume(_ result: Result<Lease, any Error>) {
        ready.withLockedValue { $0.take() }?.resume(with: result)
    }

    deinit {
        guard let waiting = ready.withLockedValue({ $0.take() }) else { return }
        connection.channel.close(promise: nil)
        waiting.resume(throwing: PoolStopped())
    }
}

/// The pool stopped before it could take a new connection.
private struct PoolStopped: Error {}

/// One pooled connection: its peer, used by one request at a time, and the signal that
/// ends its owner's scope (closing it).
private final class Lease: @unchecked Sendable {
    /// Used only by the request that borrowed the lease.
    let peer: MailWirePeer
    let connection: MailWireConnection
    /// When it was last given back; guarded by the pool's lock.
    var lastUsed = ContinuousClock.now
    private let retirement = NIOLockedValueBox(Retirement.pending)

    private enum Retirement {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        case retired
    }

    init(peer: MailWirePeer, connection: MailWireConnection) {
        self.peer = peer
        self.connection = connection
    }

    /// The owner waits here; returns at once when already retired.
    func waitForRetirement(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = retirement.withLockedValue { state in
            guard case .pending = state else { return true }
            state = .waiting(continuation)
            return false
        }
        if resumeNow { continuation.resume() }
    }

    /// Closes the connection (its owner leaves the scope). Idempotent.
    func retire() {
        let waiting = retirement.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            defer { state = .retired }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        waiting?.resume()
    }
}
