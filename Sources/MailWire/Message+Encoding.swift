// Message → frame payload, following the layouts of protocols/mailwire.md.
import MailCore
import NIOCore

extension Message {
    /// The frame carrying this message.
    /// - Parameters:
    ///   - requestID: the id of the request this frame belongs to.
    ///   - allocator: where the payload buffer comes from.
    public func frame(requestID: UInt32, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> Frame {
        if case .chunk(let content) = self { return Frame(type: .chunk, requestID: requestID, payload: content) }
        var out = allocator.buffer(capacity: 64)
        encodePayload(into: &out)
        return Frame(type: type, requestID: requestID, payload: out)
    }

    /// CHUNK messages of at most `Frame.maximumChunk` octets carrying `content`, in order.
    public static func chunks(of content: ByteBuffer) -> [Message] {
        var remaining = content
        var chunks: [Message] = []
        while remaining.readableBytes > 0 {
            chunks.append(.chunk(remaining.readSlice(length: min(remaining.readableBytes, Frame.maximumChunk))!))
        }
        return chunks
    }

    private func encodePayload(into out: inout ByteBuffer) {
        switch self {
        case .hello(let version, let maximum, let name), .welcome(let version, let maximum, let name):
            out.writeInteger(version)
            out.writeInteger(maximum)
            out.writeField(name)
        case .error(let reply):
            out.writeInteger(UInt16(reply.code))
            out.writeField(reply.enhanced)
            out.writeField(reply.lines.joined(separator: " "))
        case .ok(let detail):
            out.writeField(detail)
        case .chunk:
            preconditionFailure("chunks carry their buffer as the payload")
        case .enqueue(let envelope):
            out.writeField(envelope.reversePath)
            writeList(envelope.recipients, into: &out) { $0.writeField($1) }
            out.writeInteger(envelope.bodyType.rawValue)
            out.writeInteger(envelope.declaredSize)
            out.writeInteger(UInt8(envelope.smtpUTF8 ? 1 : 0))
            out.writeInteger(envelope.dsnReturn?.rawValue ?? 0)
            out.writeField(envelope.envelopeID)
            writeList(envelope.recipientDSN, into: &out) { out, dsn in
                out.writeInteger(dsn.notify.rawValue)
                out.writeField(dsn.originalRecipient)
            }
        case .queueID(let id), .queued(let id):
            out.writeField(id.rawValue)
        case .commit(let total), .end(let total):
            out.writeInteger(total)
        case .abort, .queueList:
            break
        case .deliver(let request):
            out.writeField(request.queueID.rawValue)
            out.writeField(request.reversePath)
            out.writeInteger(request.arrival)
            out.writeInteger(UInt8(request.mayBeRedelivery ? 1 : 0))
            writeList(request.recipients, into: &out) { $0.writeField($1) }
        case .delivered(let replies):
            writeList(replies, into: &out) { out, reply in
                out.writeInteger(UInt16(reply.code))
                out.writeField(reply.enhanced)
                out.writeField(reply.lines.joined(separator: " "))
            }
        case .queueListing(let entries):
            out.writeInteger(UInt32(entries.count))
            for entry in entries { writeQueueEntry(entry, into: &out) }
        case .queueShow(let id):
            out.writeField(id.rawValue)
        case .queueDetail(let detail):
            writeQueueEntry(detail.summary, into: &out)
            out.writeField(detail.envelopeID)
            out.writeInteger(detail.returnContent?.rawValue ?? 0)
            out.writeField(detail.headers)
        case .queueControl(let action, let id):
            out.writeInteger(action.rawValue)
            out.writeField(id?.rawValue ?? "")
        case .queueVerify:
            break
        case .queueReport(let report):
            out.writeInteger(report.checked)
            writeList(report.problems, into: &out) { out, problem in
                out.writeField(problem.name)
                out.writeField(problem.reason)
            }
        case .mailboxList(let user), .recipientCheck(let user):
            out.writeField(user)
        case .mailboxListing(let entries):
            out.writeInteger(UInt32(entries.count))
            for entry in entries {
                out.writeInteger(entry.number)
                out.writeInteger(entry.date)
                out.writeField(entry.from)
                out.writeField(entry.subject)
                out.writeInteger(entry.size)
                out.writeInteger(UInt8(entry.seen ? 1 : 0))
            }
        case .mailboxRead(let user, let number):
            out.writeField(user)
            out.writeInteger(number)
        }
    }

    private func writeQueueEntry(_ entry: QueueSummary, into out: inout ByteBuffer) {
        out.writeField(entry.queueID.rawValue)
        out.writeInteger(entry.size)
        out.writeInteger(entry.arrival)
        out.writeField(entry.reversePath)
        out.writeInteger(entry.nextAttempt)
        out.writeInteger(entry.attempts)
        out.writeInteger(UInt8(entry.held ? 1 : 0))
        writeList(entry.recipients, into: &out) { out, recipient in
            out.writeField(recipient.address)
            out.writeInteger(recipient.state.rawValue)
            out.writeField(recipient.lastReply)
        }
    }

    private func writeList<T>(_ items: [T], into out: inout ByteBuffer, _ element: (inout ByteBuffer, T) -> Void) {
        let count = min(items.count, Int(UInt16.max))
        out.writeInteger(UInt16(count))
        for item in items.prefix(count) { element(&out, item) }
    }
}
