// Group commit of the queue directory: a rename into `queue/` is durable only after an
// fsync of the directory, and one fsync covers every rename made before it started. So
// under load the callers that arrive while an fsync runs share the next one, and the queue
// is not bound to one directory fsync per message.

/// Shares directory fsyncs among concurrent committers.
public actor GroupCommit {
    private enum Turn { case done, lead }

    private let syncDirectory: @Sendable () async throws -> Void
    private let enabled: Bool
    private var ticket = 0
    private var running = false
    private var waiters: [(ticket: Int, continuation: CheckedContinuation<Turn, any Error>)] = []

    /// - Parameters:
    ///   - enabled: `false` makes every call run its own fsync (for comparison).
    ///   - syncDirectory: one fsync of the directory.
    public init(enabled: Bool = true, syncDirectory: @escaping @Sendable () async throws -> Void) {
        self.enabled = enabled
        self.syncDirectory = syncDirectory
    }

    /// Returns once a directory fsync that started after this call has succeeded.
    /// - Throws: that fsync's error; every caller it covered gets the same error.
    public func sync() async throws {
        guard enabled else { return try await syncDirectory() }
        ticket += 1
        let mine = ticket
        if running {
            let turn = try await withCheckedThrowingContinuation { waiters.append((mine, $0)) }
            if case .done = turn { return }
        }
        running = true
        let covers = ticket
        var failure: (any Error)?
        do { try await syncDirectory() } catch { failure = error }
        for waiter in waiters where waiter.ticket <= covers {
            if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume(returning: .done) }
        }
        waiters.removeAll { $0.ticket <= covers }
        if waiters.isEmpty {
            running = false
        } else {
            waiters.removeFirst().continuation.resume(returning: .lead)
        }
        if let failure { throw failure }
    }
}
