// The recipients tern-deliverd knows: the aliases file read again when it changes, and
// where each name's mailbox is.
import Foundation
import Logging
import MailCore
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

    @Test func theAccountSourcesAreReadFromNsswitchConf() {
        let text = """
            # comment: passwd: ldap
            group:  files ldap
            passwd:\tfiles [NOTFOUND=return SUCCESS=merge] systemd   # sss
            passwd: compat
            """
        #expect(UserAccounts.sources(of: "passwd", in: text) == ["files", "systemd"])
        #expect(UserAccounts.sources(of: "group", in: text) == ["files", "ldap"])
        #expect(UserAccounts.sources(of: "shadow", in: text).isEmpty)
    }

    @Test func lookupsRunOffTheLoopUnlessEverySourceIsLocal() {
        let local = RecipientDirectory(aliasesFile: file, configuration: configuration, logger: Logger(label: "test"))
        #expect(local.readsOnlyLocalFiles == UserAccounts.sourcesAreLocal)
        // statfs fails on a directory that does not exist: the cautious answer.
        let unknown = RecipientDirectory(aliasesFile: "/nonexistent-\(UUID().uuidString)/aliases", configuration: configuration,
                                         logger: Logger(label: "test"))
        #expect(!unknown.readsOnlyLocalFiles)
    }
}
