// tern-deliverd's view of the local recipients: the system accounts (getpwnam) and
// /etc/tern/aliases, read again whenever the file changes (no newaliases step), with the
// lines it cannot use logged once per version of the file. When both come from local files
// only, a lookup is made on the caller's thread (an event loop): a stat(2) of the aliases
// file and, at most every 5 s per account, a read of /etc/passwd.
import Glibc
import Logging
import MailCore
import NIOConcurrencyHelpers
import PosixFile

/// The current local recipients. Thread-safe.
public final class RecipientDirectory: Sendable {
    private struct Loaded {
        var signature: [Int64]
        var recipients: LocalRecipients
    }

    private let aliasesFile: String
    private let configuration: Configuration
    private let logger: Logger
    private let loaded = NIOLockedValueBox<Loaded?>(nil)
    /// The aliases file is on a local file system (`FileSystem.isRemote`) and the passwd
    /// database comes from local sources (`UserAccounts.sourcesAreLocal`).
    let readsOnlyLocalFiles: Bool

    /// - Parameter aliasesFile: `/etc/tern/aliases` (a missing file is an empty one).
    public init(aliasesFile: String, configuration: Configuration, logger: Logger) {
        self.aliasesFile = aliasesFile
        self.configuration = configuration
        self.logger = logger
        readsOnlyLocalFiles = !FileSystem.isRemote(FileSystem.directory(of: aliasesFile)) && UserAccounts.sourcesAreLocal
        if !readsOnlyLocalFiles {
            logger.info("the aliases file is on a network, cluster or FUSE file system, or accounts come from a network directory: recipient lookups run off the event loop",
                        metadata: ["file": "\(aliasesFile)"])
        }
    }

    /// Runs `body`, which reads the recipients (`current()`, account lookups), at once when
    /// they come from local files only and `alsoBlocks` is false; on `executor` otherwise.
    /// - Parameter alsoBlocks: `body` does other blocking I/O as well (reads a file).
    /// - Throws: what `body` throws, or NIO's error when the thread pool is shut down.
    func lookUp<T: Sendable>(on executor: BlockingExecutor, alsoBlocks: Bool = false,
                             _ body: @escaping @Sendable () throws -> T) async throws -> T {
        if readsOnlyLocalFiles && !alsoBlocks { return try body() }
        return try await executor.run(body)
    }

    /// The recipients with the aliases file as it is now (blocking: call off the event loops).
    /// - Throws: `FileError` when the aliases file exists but cannot be read.
    public func current() throws(FileError) -> LocalRecipients {
        let signature = Self.signature(of: aliasesFile)
        if let loaded = loaded.withLockedValue({ $0 }), loaded.signature == signature { return loaded.recipients }
        var aliases = AliasTable()
        if !signature.isEmpty {
            let file = try ReadableFile(opening: aliasesFile)
            aliases = AliasTable.parse(String(decoding: try file.readAll(limit: 1 << 24), as: UTF8.self))
            for problem in aliases.problems {
                logger.warning("skipped part of the aliases file", metadata: ["file": "\(aliasesFile)", "problem": "\(problem)"])
            }
        }
        let recipients = LocalRecipients(
            aliases: aliases, policy: configuration.localRecipients, localDomains: Set(configuration.localDomains),
            defaultDomain: configuration.hostname, isAccount: { UserAccounts.account(named: $0) != nil })
        loaded.withLockedValue { $0 = Loaded(signature: signature, recipients: recipients) }
        return recipients
    }

    /// Inode, size and modification time (ns), empty when the file is absent: a change in
    /// any means the file was edited or replaced.
    private static func signature(of path: String) -> [Int64] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int64(info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
    }
}
