// Who is a local recipient and where their mail goes: accounts, aliases (nested, to
// remote addresses), postmaster by default, cycles, and the `any` policy.
import MailCore
import Testing

@Suite struct LocalRecipientsTests {
    static let accounts: Set<String> = ["root", "alice", "bob", "carol"]

    func recipients(_ aliases: String, policy: LocalRecipientPolicy = .accounts) -> LocalRecipients {
        LocalRecipients(aliases: AliasTable.parse(aliases), policy: policy, localDomains: ["localhost", "example.org"],
                        defaultDomain: "mx.example.org", isAccount: { Self.accounts.contains($0) })
    }

    @Test func accountsAliasesAndPostmasterExist() {
        let local = recipients("team: alice, bob\n")
        for address in ["alice@localhost", "BOB@example.org", "team@localhost", "postmaster@localhost", "Postmaster"] {
            #expect(local.exists(address), "\(address)")
        }
        for address in ["nobody@localhost", "../x@localhost", "a/b@localhost", "%2e%2e@localhost", "a\u{0}b@localhost", "-x@localhost"] {
            #expect(!local.exists(address), "\(address)")
        }
    }

    @Test func accountsKeepTheAddressAsDeliveredTo() {
        #expect(recipients("").expand("Bob@localhost").destinations == [.mailbox(name: "bob", deliveredTo: "Bob@localhost")])
    }

    @Test func aliasesExpandToMailboxesOnceAndForwardRemoteAddresses() {
        let expansion = recipients("""
            team: alice, crew, friend@elsewhere.example
            crew: bob@example.org, alice
            """).expand("team@localhost")
        #expect(expansion.destinations == [
            .mailbox(name: "alice", deliveredTo: "alice@localhost"),
            .mailbox(name: "bob", deliveredTo: "bob@example.org"),
            .forward(address: "friend@elsewhere.example"),
        ])
        #expect(expansion.failures.isEmpty)
    }

    @Test func postmasterGoesToRootUnlessAnAliasSaysOtherwise() {
        #expect(recipients("").expand("Postmaster").destinations == [.mailbox(name: "root", deliveredTo: "root@mx.example.org")])
        #expect(recipients("postmaster: carol").expand("postmaster@localhost").destinations
            == [.mailbox(name: "carol", deliveredTo: "carol@localhost")])
    }

    @Test func aCycleIsALoopButAnAliasNamingItsOwnAccountDeliversThere() {
        let cycle = recipients("loop1: loop2\nloop2: loop1\n").expand("loop1@localhost")
        #expect(cycle.destinations.isEmpty)
        #expect(cycle.failures.map(\.enhanced) == ["5.4.6"])
        #expect(cycle.failures[0].lines[0].contains("loop1 -> loop2 -> loop1"))
        let keep = recipients("bob: bob, bob@elsewhere.example\n").expand("bob@localhost")
        #expect(keep.destinations == [.mailbox(name: "bob", deliveredTo: "bob@localhost"), .forward(address: "bob@elsewhere.example")])
    }

    @Test func unknownTargetsFailAndDeepNestingIsALoop() {
        let partly = recipients("list: alice, ghost\n").expand("list@localhost")
        #expect(partly.destinations == [.mailbox(name: "alice", deliveredTo: "alice@localhost")])
        #expect(partly.failures.map(\.enhanced) == ["5.1.1"])
        let chain = (0..<20).map { "a\($0): a\($0 + 1)" }.joined(separator: "\n") + "\na20: alice\n"
        #expect(recipients(chain).expand("a0@localhost").failures.map(\.enhanced) == ["5.4.6"])
    }

    @Test func anyPolicyGivesEveryWellFormedNameAMailbox() {
        let local = recipients("", policy: .any)
        #expect(local.exists("user7@localhost") && !local.exists("../x@localhost"))
        #expect(local.expand("User7@localhost").destinations == [.mailbox(name: "user7", deliveredTo: "User7@localhost")])
    }
}
