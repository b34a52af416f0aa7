// tern-deliverd's view of the local recipients: the system accounts (getpwnam) and
// /etc/tern/aliases, read again whenever the file changes (no newaliases step), with the
// lines it cannot use logged once per version of the file. A lookup is made on the
// caller's thread (an event loop) when all it needs is in memory: the aliases file is on a
// local file system and unchanged since it was read (one stat(2)), and every account it
// asks for is remembered (`UserAccounts.fromMemoryOnly`); otherwise on a pool thread, so a
// directory service (LDAP, SSSD, userdbd) or a network file system never holds up a loop.
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
    /// The aliases file (or, while it is missing, its directory) is on a local file system,
    /// where its stat(2) may run on an event loop (`FileSystem.allowsCallsOnEventLoop`).
    let aliasesAreLocal: Bool

    /// - Parameter aliasesFile: `/etc/tern/aliases` (a missing file is an empty one).
    public init(aliasesFile: String, configuration: Configuration, logger: Logger) {
        self.aliasesFile = aliasesFile
        self.configuration = configuration
        self.logger = logger
        // statfs follows a symbolic link: a local name for a file on NFS counts as remote.
        aliasesAreLocal = FileSystem.allowsCallsOnEventLoop(
            Self.signature(of: aliasesFile).isEmpty ? FileSystem.directory(of: aliasesFile) : aliasesFile,
            subject: "the aliases file", work: "recipient lookups", logger: logger)
    }

    /// Runs `body` with the current recipients: at once when everything it needs is in
    /// memory (see above) and `alsoBlocks` is false, on `executor` otherwise.
    /// - Parameter alsoBlocks: `body` does other blocking I/O as well (reads a file).
    /// - Throws: what `body` throws, `FileError` when the aliases file exists but cannot be
    ///   read, or NIO's error when the thread pool is shut down.
    func lookUp<T: Sendable>(on executor: BlockingExecutor, alsoBlocks: Bool = false,
                             _ body: @escaping @Sendable (LocalRecipients) throws -> T) async throws -> T {
        if aliasesAreLocal && !alsoBlocks, let recipients = lastRead(matching: Self.signature(of: aliasesFile)),
           let result = try UserAccounts.fromMemoryOnly({ try body(recipients) }) {
            return result
        }
        return try await executor.run { try body(self.current()) }
    }

    /// The recipients as last read, when the aliases file still has `signature`.
    private func lastRead(matching signature: [Int64]) -> LocalRecipients? {
        loaded.withLockedValue { $0 }.flatMap { $0.signature == signature ? $0.recipients : nil }
    }

    /// The recipients with the aliases file as it is now. Blocking: it may read the file and
    /// the user database; `lookUp` runs it where that is safe.
    /// - Throws: `FileError` when the aliases file exists but cannot be read.
    public func current() throws(FileError) -> LocalRecipients {
        let signature = Self.signature(of: aliasesFile)
        if let recipients = lastRead(matching: signature) { return recipients }
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
