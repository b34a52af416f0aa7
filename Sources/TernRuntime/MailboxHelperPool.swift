// tern-deliverd's running tern-local helpers (protocols/tern-local.md §Lifetime): a request
// takes an idle helper of its mailbox or spawns one, and gives it back when it answered
// cleanly, so a busy mailbox costs no process start per message. A helper that failed
// (a broken conversation, a timeout) is killed, never reused. Idle helpers are closed
// after `idleTime`, and at most `idleLimit` wait per mailbox.
import NIOConcurrencyHelpers
import NIOPosix
import PosixFile

/// The helpers of one tern-deliverd.
final class MailboxHelperPool: Sendable {
    /// The tern-local executable.
    let executable: String
    /// The host name in Maildir file names.
    let hostname: String
    /// Seconds one read or write on a helper's socket may wait.
    let timeLimit: Int
    private let idle: IdleHelpers
    /// Threads for the helpers' blocking conversations: as many deliveries run at once.
    private let threads: NIOThreadPool

    /// - Parameters:
    ///   - conversations: threads for blocking conversations (deliveries at once).
    ///   - idleTime: how long a helper may wait unused before it is closed.
    ///   - idleLimit: idle helpers kept per mailbox: as many as conversations with it may run
    ///     at once (reads, and deliveries of messages too large to batch, are not limited
    ///     per mailbox), so a busy mailbox starts no helper per message.
    init(executable: String, hostname: String, timeLimit: Int = 600, conversations: Int = 16,
         idleTime: Duration = .seconds(30), idleLimit: Int = 16) {
        self.executable = executable
        self.hostname = hostname
        self.timeLimit = timeLimit
        threads = NIOThreadPool(numberOfThreads: conversations)
        threads.start()
        idle = IdleHelpers(idleTime: idleTime, limit: idleLimit, threads: threads)
    }

    /// Runs `body` with a helper for `location`: an idle one, or a new one.
    /// - Parameter create: the helper may create a missing mailbox (deliveries only).
    /// - Parameter reuse: whether the helper may serve again after `body` returned this;
    ///   a helper whose `body` threw is always killed.
    /// - Throws: `FileError` when no helper can be spawned, and what `body` throws.
    func withHelper<T: Sendable>(_ location: MailboxLocation, create: Bool, reuse: @Sendable (T) -> Bool = { _ in true },
                                 _ body: (MailboxHelper) async throws -> T) async throws -> T {
        let key = MailboxHelper.Key(location: location, create: create)
        let helper: MailboxHelper
        if let waiting = idle.take(key) {
            helper = waiting
        } else {
            let (executable, hostname, timeLimit, threads) = (executable, hostname, timeLimit, threads)
            helper = try await threads.runIfActive {
                try MailboxHelper(executable: executable, key: key, hostname: hostname, timeLimit: timeLimit, threads: threads)
            }
        }
        let result: T
        do {
            result = try await body(helper)
        } catch {
            _ = try? await threads.runIfActive { helper.stop(kill: true) }
            throw error
        }
        if reuse(result) {
            idle.give(helper)
        } else {
            _ = try? await threads.runIfActive { helper.stop(kill: true) }
        }
        return result
    }
}

/// The idle helpers, by mailbox; closes those idle too long. Behind a lock, not an actor:
/// every delivery takes and gives back a helper, and a trip to an actor's executor and back
/// costs two thread wake-ups each time.
private final class IdleHelpers: Sendable {
    private struct State {
        var waiting: [MailboxHelper.Key: [MailboxHelper]] = [:]
        var sweeping = false
    }

    private let state = NIOLockedValueBox(State())
    private let idleTime: Duration
    private let limit: Int
    private let threads: NIOThreadPool

    init(idleTime: Duration, limit: Int, threads: NIOThreadPool) {
        self.idleTime = idleTime
        self.limit = limit
        self.threads = threads
    }

    /// The most recently used idle helper of `key`.
    func take(_ key: MailboxHelper.Key) -> MailboxHelper? {
        state.withLockedValue { $0.waiting[key]?.popLast() }
    }

    func give(_ helper: MailboxHelper) {
        helper.idleSince = .now
        let (surplus, startSweeper) = state.withLockedValue { state -> (MailboxHelper?, Bool) in
            var list = state.waiting[helper.key, default: []]
            list.append(helper)
            let surplus = list.count > limit ? list.removeFirst() : nil
            state.waiting[helper.key] = list
            defer { state.sweeping = true }
            return (surplus, !state.sweeping)
        }
        if let surplus { stop([surplus]) }
        if startSweeper {
            Task { [idleTime] in
                while self.sweep() {
                    try? await Task.sleep(for: idleTime / 2)
                }
            }
        }
    }

    /// Closes helpers idle for `idleTime`; false (and the sweeper ends) when none is left.
    private func sweep() -> Bool {
        let deadline = ContinuousClock.now - idleTime
        let (old, left) = state.withLockedValue { state -> ([MailboxHelper], Bool) in
            var old: [MailboxHelper] = []
            for (key, list) in state.waiting {
                var fresh: [MailboxHelper] = []
                for helper in list {
                    if helper.idleSince <= deadline { old.append(helper) } else { fresh.append(helper) }
                }
                state.waiting[key] = fresh.isEmpty ? nil : fresh
            }
            if state.waiting.isEmpty { state.sweeping = false }
            return (old, !state.waiting.isEmpty)
        }
        stop(old)
        return left
    }

    private func stop(_ helpers: [MailboxHelper]) {
        guard !helpers.isEmpty else { return }
        threads.submit { _ in helpers.forEach { $0.stop(kill: false) } }
    }
}
