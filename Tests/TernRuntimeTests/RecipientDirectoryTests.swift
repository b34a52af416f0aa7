// The recipients tern-deliverd knows: the aliases file read again when it changes, and
// where each name's mailbox is.
import Foundation
import Logging
import MailCore
import PosixFile
@testable import TernRuntime
import Testing

@Suite struct RecipientDirectoryTests {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("tern-aliases-\(UUID().uuidString)").path
    let configuration = Configuration(hostname: "mx.example.org")

    @Test func theAliasesFileIsReadAgainWhenItChanges() throws {
        defer { try? FileManager.default.removeItem(atPath: file) }
        let directory = RecipientDirectory(aliasesFile: file, configuration: configuration, logger: Logger(label: "test"))
        #expect(try !directory.current().exists("team@localhost"))
        try "team: root\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try directory.current().exists("team@localhost"))
        try "crew: root\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try !directory.current().exists("team@localhost") && directory.current().exists("crew@localhost"))
        #expect(try directory.current().exists("root@localhost") && !directory.current().exists("no-such-user-here@localhost"))
    }

    @Test func mailboxesAreInTheSpoolOrTheHome() throws {
        let spool = try MailboxLocation.of("root", mailRoot: "/var/mail", configuration: configuration).get()
        #expect(spool.place == .spool(directory: "/var/mail", name: "root"))
        var home = configuration
        home.homeMailbox = "Maildir"
        let inHome = try MailboxLocation.of("root", mailRoot: "/var/mail", configuration: home).get()
        #expect(inHome.place == .home(directory: "/root", folder: "Maildir"))
        #expect(inHome.arguments(hostname: "mx").prefix(4) == ["--home", "/root", "--folder", "Maildir"])
        #expect(throws: ReplyError(.unknownUser("no-such-user-here"))) {
            try MailboxLocation.of("no-such-user-here", mailRoot: "/var/mail", configuration: configuration).get()
        }
        var any = configuration
        any.localRecipients = .any
        let virtual = try MailboxLocation.of("no-such-user-here", mailRoot: "/m", configuration: any).get()
        #expect(virtual.owner == nil && virtual.arguments(hostname: "mx") == ["--spool", "/m", "--name", "no-such-user-here", "--hostname", "mx"])
    }

    @Test func accountsNotRememberedMakeAMemoryOnlyRunMiss() {
        let stranger = "tern-no-such-user-\(UInt32.random(in: 0...UInt32.max))"
        #expect(UserAccounts.fromMemoryOnly { UserAccounts.account(named: stranger) } == nil)
        #expect(UserAccounts.account(named: stranger) == nil)
        // Now remembered (as no account): answered from memory.
        #expect(UserAccounts.fromMemoryOnly { UserAccounts.account(named: stranger) } == .some(nil))
        _ = UserAccounts.account(named: "root")
        #expect(UserAccounts.fromMemoryOnly { UserAccounts.account(named: "root")?.uid } == .some(0))
    }

    @Test func lookupsRunOnTheCallersThreadOnlyWhenAllTheyNeedIsInMemory() async throws {
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "team: root\n".write(toFile: file, atomically: true, encoding: .utf8)
        let directory = RecipientDirectory(aliasesFile: file, configuration: configuration, logger: Logger(label: "test"))
        #expect(directory.aliasesAreLocal == !FileSystem.isRemote(file))
        try #require(directory.aliasesAreLocal, "the temporary directory is on a network file system here")
        let executor = BlockingExecutor()
        // Nothing read yet: the aliases file is read on a pool thread.
        #expect(try await directory.lookUp(on: executor) { $0.exists("team@localhost") && Self.onPoolThread() })
        #expect(try await directory.lookUp(on: executor) { $0.exists("team@localhost") && !Self.onPoolThread() })
        // An account not remembered, the aliases file changed, or other blocking I/O: the pool.
        let stranger = "tern-no-such-user-\(UInt32.random(in: 0...UInt32.max))"
        #expect(try await directory.lookUp(on: executor) { !$0.exists("\(stranger)@localhost") && Self.onPoolThread() })
        #expect(try await directory.lookUp(on: executor) { !$0.exists("\(stranger)@localhost") && !Self.onPoolThread() })
        try "team: root\ncrew: root\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await directory.lookUp(on: executor) { $0.exists("crew@localhost") && Self.onPoolThread() })
        #expect(try await directory.lookUp(on: executor, alsoBlocks: true) { _ in Self.onPoolThread() })
        // statfs fails on a directory that does not exist: the cautious answer.
        let unknown = RecipientDirectory(aliasesFile: "/nonexistent-\(UUID().uuidString)/aliases", configuration: configuration,
                                         logger: Logger(label: "test"))
        #expect(!unknown.aliasesAreLocal)
    }

    /// NIO's shared thread pool (`BlockingExecutor`'s) names its threads `SGLTN-TP-#<n>`.
    private static func onPoolThread() -> Bool {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.hasPrefix("SGLTN-TP-#") ?? false
    }
}
