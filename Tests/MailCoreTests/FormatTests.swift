// Dates, headers, trace fields and the listings users read (golden strings).
import MailCore
import Testing

@Suite struct FormatTests {
    @Test func internetDate() {
        #expect(InternetDate.format(unixSeconds: 0) == "Thu, 1 Jan 1970 00:00:00 +0000")
        #expect(InternetDate.format(unixSeconds: 1_795_971_919) == "Sun, 29 Nov 2026 17:05:19 +0000")
        #expect(InternetDate.format(unixSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 +0000")
        #expect(InternetDate.mailqTime(unixSeconds: 1_795_971_919) == "Sun Nov 29 17:05:19")
    }

    @Test func headerSectionUnfoldsAndStopsAtTheBody() {
        let fields = HeaderSection.fields(Array("Subject: one\r\n two\r\nFrom:  a@b\r\n\r\nSubject: body\r\n".utf8))
        #expect(HeaderSection.value(of: "subject", in: fields) == "one two")
        #expect(HeaderSection.value(of: "From", in: fields) == "a@b")
        #expect(fields.count == 2)
    }

    @Test func headerSectionValuesOfOneFieldIgnoreCaseAndOtherFields() {
        let head = "Delivered-To: a@x\r\nno colon here\r\nX-Other: y\r\n\tfolded other  \r\ndelivered-TO:\t<B@x>\r\n"
            + "\r\nReceived: z\r\nDelivered-To: body@x\r\n"
        #expect(HeaderSection.values(of: "Delivered-To", in: Array(head.utf8)) == ["a@x", "<B@x>"])
        #expect(HeaderSection.values(of: "x-other", in: Array(head.utf8)) == ["y folded other"])
        #expect(HeaderSection.values(of: "Received", in: Array(head.utf8)) == [])
        #expect(HeaderSection.values(of: "Received", in: Array("Received: a\nReceived: b\n".utf8)).count == 2)
    }

    @Test func deliveryTraceFieldsNeutraliseControlCharacters() {
        #expect(TraceHeaders.delivery(reversePath: "", recipient: "bob@localhost") == "Return-Path: <>\nDelivered-To: bob@localhost\n")
        #expect(TraceHeaders.delivery(reversePath: "a\r\nX: y", recipient: "b") == "Return-Path: <a??X: y>\nDelivered-To: b\n")
    }

    @Test func mailboxNames() {
        #expect(MailboxName.directory(forLocalPart: "Bob.Smith") == "bob.smith")
        for bad in ["", "../x", "a/b", ".hidden", "-rf", "a\u{0}b", "%2e%2e", String(repeating: "a", count: 65)] {
            #expect(MailboxName.directory(forLocalPart: bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func emptyQueueListing() {
        #expect(QueueListingFormat.text([]) == "Mail queue is empty\n")
        #expect(QueueListingFormat.json([]) == "")
    }

    @Test func queueListingGolden() {
        let entry = QueueSummary(
            queueID: QueueID("0lDGMhr3h0tPHt")!, size: 1536, arrival: 1_795_971_919, reversePath: "alice@example.org",
            nextAttempt: 1_795_972_219, recipients: [
                .init(address: "bob@localhost", state: .deferred, lastReply: "451 4.3.0 local delivery unavailable"),
                .init(address: "carol@localhost", state: .delivered, lastReply: "250 2.0.0 delivered to maildir"),
            ])
        #expect(QueueListingFormat.text([entry]) == """
            -Queue ID-      --Size-- ----Arrival Time---- -Sender/Recipient-------
            0lDGMhr3h0tPHt      1536 Sun Nov 29 17:05:19  alice@example.org
                                                          (451 4.3.0 local delivery unavailable)
                                                          bob@localhost

            -- 2 Kbytes in 1 Request.

            """)
        #expect(QueueListingFormat.json([entry]) == """
            {"queue_name":"deferred","queue_id":"0lDGMhr3h0tPHt","arrival_time":1795971919,"message_size":1536,\
            "sender":"alice@example.org","recipients":[{"address":"bob@localhost","state":"deferred",\
            "delay_reason":"451 4.3.0 local delivery unavailable"},{"address":"carol@localhost","state":"delivered",\
            "delay_reason":"250 2.0.0 delivered to maildir"}]}

            """)
    }

    @Test func jsonEscaping() {
        #expect(JSONText.string("a\"b\\c\n\u{1}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }
}
