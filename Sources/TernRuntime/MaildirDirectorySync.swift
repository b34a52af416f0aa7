// Group commit of Maildir `new/` directories in tern-deliverd: a link into `new/` is
// durable only after an fsync of `new/`, and one fsync covers every link made before it
// started, so concurrent deliveries into one mailbox share the fsync instead of queueing
// one each (the same rule as the queue's GroupCommit, per mailbox).
import PosixFile
import Queue

/// One `GroupCommit` per mailbox, made on first use.
actor MaildirDirectorySync {
    private let executor: BlockingExecutor
    private var commits: [String: GroupCommit] = [:]

    init(executor: BlockingExecutor) {
        self.executor = executor
    }

    /// Returns once an fsync of `mailbox/new` that started after this call has succeeded.
    /// - Throws: that fsync's error (every delivery it covered gets the same).
    func sync(mailbox: String) async throws {
        try await commit(for: mailbox).sync()
    }

    private func commit(for mailbox: String) -> GroupCommit {
        if let commit = commits[mailbox] { return commit }
        let executor = executor
        let commit = GroupCommit { try await executor.run { try FileSystem.syncDirectory(mailbox + "/new") } }
        commits[mailbox] = commit
        return commit
    }
}
