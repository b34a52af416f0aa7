// The plan of a DELIVER: one copy per mailbox for all the recipients that lead to it,
// forwards for remote alias targets, loops refused, and each recipient's one reply.
import MailCore
@testable import TernRuntime
import Testing

@Suite struct DeliveryPlanTests {
    let recipients = LocalRecipients(
        aliases: AliasTable.parse("team: alice, bob\nfwd: bob, friend@elsewhere.example\nloop1: loop2\nloop2: loop1\n"),
        policy: .accounts, localDomains: ["localhost"], defaultDomain: "mx.example.org",
        isAccount: { ["root", "alice", "bob"].contains($0) })

    func plan(_ addresses: [String], deliveredTo: Set<String> = []) -> DeliveryPlan {
        DeliveryPlan(DeliveryRequest(queueID: QueueID("0lDGMhr3h0tPHt")!, reversePath: "a@example.org", arrival: 0,
                                     mayBeRedelivery: false, recipients: addresses),
                     recipients: recipients, deliveredTo: deliveredTo)
    }

    @Test func eachMailboxOnceForEveryRecipientThatLeadsThere() {
        let work = plan(["team@localhost", "bob@localhost", "ghost@localhost"])
        #expect(work.mailboxes == [
            .init(name: "alice", deliveredTo: "alice@localhost", recipients: [0], lookForEarlierCopy: true),
            .init(name: "bob", deliveredTo: "bob@localhost", recipients: [0, 1], lookForEarlierCopy: true),
        ])
        #expect(work.failures.map { $0.map(\.enhanced) } == [[], [], ["5.1.1"]])
    }

    @Test func remoteTargetsAreForwardedUnlessTheAliasAlreadyHadTheMessage() {
        #expect(plan(["fwd@localhost"]).forwards == [.init(recipient: 0, addresses: ["friend@elsewhere.example"])])
        let looped = plan(["fwd@localhost"], deliveredTo: ["fwd@localhost"])
        #expect(looped.forwards.isEmpty && looped.mailboxes.map(\.name) == ["bob"])
        #expect(looped.failures[0].map(\.enhanced) == ["5.4.6"])
    }

    @Test func loopsAreRefused() {
        #expect(plan(["loop1@localhost"]).failures[0].map(\.enhanced) == ["5.4.6"])
        let again = plan(["Bob@localhost"], deliveredTo: ["bob@localhost"])
        #expect(again.mailboxes.isEmpty && again.failures[0] == [.mailLoop("Bob@localhost")])
    }

    @Test func repliesCombineTemporaryFirstThenPermanent() {
        let done = Reply(250, "2.0.0", "delivered to maildir")
        let later = Reply(451, "4.3.0", "maildir write error")
        #expect(DeliveryPlan.reply(for: "a@localhost", results: [done, later], failures: [.unknownUser("x")]) == later)
        #expect(DeliveryPlan.reply(for: "a@localhost", results: [done], failures: [.unknownUser("x")]).code == 550)
        #expect(DeliveryPlan.reply(for: "a@localhost", results: [done], failures: []) == done)
        #expect(DeliveryPlan.reply(for: "a@localhost", results: [done, Reply(250, "2.0.0", "forwarded")], failures: [])
            == Reply(250, "2.0.0", "delivered to maildir; forwarded"))
    }
}
