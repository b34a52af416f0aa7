// Frame payload → Message, strictly: a short payload or leftover octets is an error.
import MailCore
import NIOCore

extension Message {
    /// Decodes a frame's payload.
    /// - Throws: `MailWireError.malformedPayload` when the payload does not match the
    ///   layout of its type exactly (including a malformed queue ID).
    public init(frame: Frame) throws(MailWireError) {
        let type = frame.type
        if type == .chunk {
            self = .chunk(frame.payload)
            return
        }
        var reader = PayloadReader(buffer: frame.payload, type: type)
        func queueID() throws(MailWireError) -> QueueID {
            guard let id = QueueID(try reader.bytes()) else { throw .malformedPayload(type) }
            return id
        }
        func reply() throws(MailWireError) -> Reply {
            Reply(Int(try reader.integer(UInt16.self)), try reader.bytes(), try reader.bytes())
        }
        switch type {
        case .hello:
            self = .hello(version: try reader.integer(), maximumPayload: try reader.integer(), name: try reader.bytes())
        case .welcome:
            self = .welcome(version: try reader.integer(), maximumPayload: try reader.integer(), name: try reader.bytes())
        case .error:
            self = .error(try reply())
        case .ok:
            self = .ok(try reader.bytes())
        case .chunk:
            preconditionFailure("handled above")
        case .enqueue:
            let reversePath = try reader.bytes()
            let recipients = try reader.list(count: Int(try reader.integer(UInt16.self))) { (r: inout PayloadReader) throws(MailWireError) in try r.bytes() }
            guard let body = BodyType(rawValue: try reader.integer()) else { throw .malformedPayload(type) }
            var envelope = Envelope(reversePath: reversePath, recipients: recipients, bodyType: body, declaredSize: try reader.integer())
            let flags: UInt8 = try reader.integer()
            guard flags <= 1 else { throw .malformedPayload(type) }
            envelope.smtpUTF8 = flags == 1
            let ret: UInt8 = try reader.integer()
            guard ret <= 2 else { throw .malformedPayload(type) }
            envelope.dsnReturn = DSNReturn(rawValue: ret)
            envelope.envelopeID = try reader.bytes()
            envelope.recipientDSN = try reader.list(count: Int(try reader.integer(UInt16.self))) { (r: inout PayloadReader) throws(MailWireError) in
                let notify = DSNNotify(rawValue: try r.integer())
                guard notify.rawValue <= 15, !(notify.contains(.never) && notify != .never) else { throw .malformedPayload(.enqueue) }
                return RecipientDSN(notify: notify, originalRecipient: try r.bytes())
            }
            guard envelope.recipientDSN.isEmpty || envelope.recipientDSN.count == recipients.count else { throw .malformedPayload(type) }
            self = .enqueue(envelope)
        case .queueID:
            self = .queueID(try queueID())
        case .commit:
            self = .commit(try reader.integer())
        case .queued:
            self = .queued(try queueID())
        case .abort:
            self = .abort
        case .deliver:
            let id = try queueID()
            let reversePath = try reader.bytes()
            let arrival: Int64 = try reader.integer()
            let flags: UInt8 = try reader.integer()
            let recipients = try reader.list(count: Int(try reader.integer(UInt16.self))) { (r: inout PayloadReader) throws(MailWireError) in try r.bytes() }
            self = .deliver(DeliveryRequest(queueID: id, reversePath: reversePath, arrival: arrival,
                                            mayBeRedelivery: flags & 1 != 0, recipients: recipients))
        case .end:
            self = .end(try reader.integer())
        case .delivered:
            let count = Int(try reader.integer(UInt16.self))
            var replies: [Reply] = []
            for _ in 0..<count { replies.append(try reply()) }
            self = .delivered(replies)
        case .recipientCheck:
            let address = try reader.bytes()
            guard !address.isEmpty else { throw .malformedPayload(type) }
            self = .recipientCheck(address)
        case .queueList:
            self = .queueList
        case .queueListing:
            let count = Int(try reader.integer(UInt32.self))
            var entries: [QueueSummary] = []
            for _ in 0..<count { entries.append(try reader.queueEntry()) }
            self = .queueListing(entries)
        case .queueShow:
            self = .queueShow(try queueID())
        case .queueDetail:
            let summary = try reader.queueEntry()
            let envelopeID = try reader.bytes()
            let rawReturn: UInt8 = try reader.integer()
            guard rawReturn <= 2 else { throw .malformedPayload(type) }
            let ret = DSNReturn(rawValue: rawReturn)
            self = .queueDetail(QueueDetail(summary: summary, envelopeID: envelopeID, returnContent: ret, headers: try reader.bytes()))
        case .queueControl:
            guard let action = QueueAction(rawValue: try reader.integer()) else { throw .malformedPayload(type) }
            let text = try reader.bytes()
            guard text.isEmpty ? action == .flush : QueueID(text) != nil else { throw .malformedPayload(type) }
            self = .queueControl(action, QueueID(text))
        case .queueVerify:
            self = .queueVerify
        case .queueReport:
            let checked: UInt32 = try reader.integer()
            let problems = try reader.list(count: Int(try reader.integer(UInt16.self))) { (r: inout PayloadReader) throws(MailWireError) in
                QueueVerification.Problem(name: try r.bytes(), reason: try r.bytes())
            }
            self = .queueReport(QueueVerification(checked: checked, problems: problems))
        case .mailboxList:
            self = .mailboxList(user: try reader.bytes())
        case .mailboxListing:
            let count = Int(try reader.integer(UInt32.self))
            var entries: [MailboxSummary] = []
            for _ in 0..<count {
                let number: UInt32 = try reader.integer()
                let date: Int64 = try reader.integer()
                let from = try reader.bytes()
                let subject = try reader.bytes()
                let size: UInt64 = try reader.integer()
                let seen: UInt8 = try reader.integer()
                entries.append(MailboxSummary(number: number, date: date, from: from, subject: subject, size: size, seen: seen != 0))
            }
            self = .mailboxListing(entries)
        case .mailboxRead:
            self = .mailboxRead(user: try reader.bytes(), number: try reader.integer())
        }
        try reader.finish()
    }
}
