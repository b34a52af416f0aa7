// The SMTP client against scripted server replies: EHLO/HELO, PIPELINING status checks
// (cases C18), recipient limits (C20), SIZE/8BITMIME/SMTPUTF8 refusals, DSN parameters,
// STARTTLS opportunistic and required.
import MailCore
import SMTP
import Testing

@Suite struct SMTPClientSessionTests {
    func message(_ recipients: [String], eightBit: Bool = false) -> OutgoingMessage {
        var envelope = Envelope(reversePath: "alice@example.org", recipients: [])
        for recipient in recipients { envelope.append(recipient: recipient, dsn: RecipientDSN()) }
        return OutgoingMessage(envelope: envelope, size: 100, hasEightBitContent: eightBit)
    }

    /// Greets a session with the given EHLO keywords; returns it ready.
    func greeted(_ keywords: [String], tls: Bool = false, required: Bool = false) -> SMTPClientSession {
        var session = SMTPClientSession(settings: .init(heloName: "relay.example.org", tlsPossible: tls, tlsRequired: required))
        #expect(session.received(Reply(220, "", "mx ESMTP")) == [.send("EHLO relay.example.org\r\n")])
        _ = session.received(Reply(250, "", ["mx"] + keywords))
        return session
    }

    @Test func pipelinedGroupAndPerRecipientResults() {
        var session = greeted(["PIPELINING", "SIZE 1000", "8BITMIME"])
        #expect(session.begin(message(["a@x", "b@x", "c@x"])) == [.send(
            "MAIL FROM:<alice@example.org> SIZE=100\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n")])
        for reply in [Reply(250, "2.1.0", "ok"), Reply(250, "2.1.5", "ok"), Reply(550, "5.1.1", "no"), Reply(250, "2.1.5", "ok")] {
            #expect(session.received(reply) == [])
        }
        #expect(session.received(Reply(354, "", "go")) == [.sendContent])
        #expect(session.contentSent() == [])
        let final = Reply(250, "2.0.0", "queued")
        #expect(session.received(final) == [.transactionDone([final, Reply(550, "5.1.1", "no"), final]), .ready])
    }

    @Test func dataAcceptedWithNoValidRecipientSendsALoneDot() {
        var session = greeted(["PIPELINING"])
        _ = session.begin(message(["a@x", "b@x"]))
        _ = session.received(Reply(250, "", "ok"))
        _ = session.received(Reply(550, "5.1.1", "no"))
        _ = session.received(Reply(550, "5.1.1", "no"))
        let actions = session.received(Reply(354, "", "go"))
        #expect(actions == [.transactionDone([Reply(550, "5.1.1", "no"), Reply(550, "5.1.1", "no")]), .send(".\r\n")])
        #expect(session.received(Reply(554, "5.5.1", "no valid recipients")) == [.send("RSET\r\n")])
        #expect(session.received(Reply(250, "", "ok")) == [.ready])
    }

    @Test func refusedDataDefersTheAcceptedRecipientsAndResets() {
        var session = greeted(["PIPELINING"])
        _ = session.begin(message(["a@x"]))
        _ = session.received(Reply(250, "", "ok"))
        _ = session.received(Reply(250, "", "ok"))
        #expect(session.received(Reply(451, "4.3.0", "later")) == [.transactionDone([Reply(451, "4.3.0", "later")]), .send("RSET\r\n")])
    }

    @Test func withoutPipeliningCommandsGoOneByOneAndExcessRecipientsAreDeferred() {
        var session = greeted([])
        #expect(session.begin(message(["a@x", "b@x"])) == [.send("MAIL FROM:<alice@example.org>\r\n")])
        #expect(session.received(Reply(250, "", "ok")) == [.send("RCPT TO:<a@x>\r\n")])
        #expect(session.received(Reply(250, "", "ok")) == [.send("RCPT TO:<b@x>\r\n")])
        #expect(session.received(Reply(452, "4.5.3", "too many")) == [.send("DATA\r\n")])
        _ = session.received(Reply(354, "", "go"))
        _ = session.contentSent()
        #expect(session.received(Reply(250, "", "ok")) == [.transactionDone([Reply(250, "", "ok"), Reply(452, "4.5.3", "too many")]), .ready])
    }

    @Test func heloFallbackWhenEHLOIsNotKnown() {
        var session = SMTPClientSession(settings: .init(heloName: "r", tlsPossible: false, tlsRequired: false))
        _ = session.received(Reply(220, "", "old mx"))
        #expect(session.received(Reply(500, "", "what")) == [.send("HELO r\r\n")])
        #expect(session.received(Reply(250, "", "hi")) == [.ready])
    }

    @Test func messagesTheServerCannotTakeAreRefusedBeforeMAIL() {
        var session = greeted(["SIZE 50"])
        if case .transactionDone(let replies) = session.begin(message(["a@x"])).first { #expect(replies.first?.enhanced == "5.3.4") }
        session = greeted([])
        if case .transactionDone(let replies) = session.begin(message(["a@x"], eightBit: true)).first {
            #expect(replies.first?.enhanced == "5.6.3")
        }
        if case .transactionDone(let replies) = session.begin(message(["jöhn@x"])).first { #expect(replies.first?.enhanced == "5.6.7") }
    }

    @Test func dsnParametersOnlyWhenOffered() {
        var envelope = Envelope(reversePath: "a@x", recipients: [])
        envelope.dsnReturn = .headers
        envelope.envelopeID = "id 1"
        envelope.append(recipient: "b@y", dsn: RecipientDSN(notify: [.success, .delay], originalRecipient: "rfc822;b@y"))
        let withDSN = OutgoingMessage(envelope: envelope, size: 1, hasEightBitContent: false)
        var session = greeted(["DSN"])
        #expect(session.begin(withDSN) == [.send("MAIL FROM:<a@x> RET=HDRS ENVID=id+201\r\n")])
        #expect(session.received(Reply(250, "", "ok")) == [.send("RCPT TO:<b@y> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b@y\r\n")])
        session = greeted([])
        #expect(session.begin(withDSN) == [.send("MAIL FROM:<a@x>\r\n")])
    }

    @Test func startTLSOpportunisticAndRequired() {
        var session = SMTPClientSession(settings: .init(heloName: "r", tlsPossible: true, tlsRequired: false))
        _ = session.received(Reply(220, "", "mx"))
        #expect(session.received(Reply(250, "", ["mx", "STARTTLS"])) == [.send("STARTTLS\r\n")])
        #expect(session.received(Reply(220, "2.0.0", "go")) == [.startTLS])
        #expect(session.tlsEstablished() == [.send("EHLO r\r\n")])
        #expect(session.received(Reply(250, "", ["mx"])) == [.ready])
        var required = SMTPClientSession(settings: .init(heloName: "r", tlsPossible: true, tlsRequired: true))
        _ = required.received(Reply(220, "", "mx"))
        if case .connectionFailed(let reply) = required.received(Reply(250, "", ["mx"])).first {
            #expect(reply.enhanced == "4.7.4")
        } else { Issue.record("delivered without TLS") }
    }

    @Test func lostConnectionDefersTheMessageInFlight() {
        var session = greeted(["PIPELINING"])
        _ = session.begin(message(["a@x"]))
        #expect(session.connectionLost("reset").first == .transactionDone([Reply(451, "4.4.2", "lost connection with server: reset")]))
    }
}
