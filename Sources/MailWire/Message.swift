// Typed MailWire messages and their payload layouts (protocols/mailwire.md §Message types).
import MailCore
import NIOCore

/// One MailWire message, decoded.
public enum Message: Sendable, Equatable {
    case hello(version: UInt8, maximumPayload: UInt32, name: String)
    case welcome(version: UInt8, maximumPayload: UInt32, name: String)
    /// The final answer of a failed request, carrying the SMTP reply to give.
    case error(Reply)
    case ok(String)
    case chunk(ByteBuffer)
    case enqueue(Envelope)
    case queueID(QueueID)
    /// Total content octets the client sent.
    case commit(UInt64)
    case queued(QueueID)
    case abort
    case deliver(DeliveryRequest)
    /// Total content octets sent.
    case end(UInt64)
    /// One reply per recipient, in request order.
    case delivered([Reply])
    /// Is this address (a local domain's, or `postmaster`) a recipient here? OK or ERROR.
    case recipientCheck(String)
    case queueList
    case queueListing([QueueSummary])
    case queueShow(QueueID)
    case queueDetail(QueueDetail)
    /// A nil queue ID means every message (allowed for flush only).
    case queueControl(QueueAction, QueueID?)
    case queueVerify
    case queueReport(QueueVerification)
    /// Empty user: the caller's own mailbox.
    case mailboxList(user: String)
    case mailboxListing([MailboxSummary])
    case mailboxRead(user: String, number: UInt32)

    /// The frame type of this message.
    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .error: .error
        case .ok: .ok
        case .chunk: .chunk
        case .enqueue: .enqueue
        case .queueID: .queueID
        case .commit: .commit
        case .queued: .queued
        case .abort: .abort
        case .deliver: .deliver
        case .end: .end
        case .delivered: .delivered
        case .recipientCheck: .recipientCheck
        case .queueList: .queueList
        case .queueListing: .queueListing
        case .queueShow: .queueShow
        case .queueDetail: .queueDetail
        case .queueControl: .queueControl
        case .queueVerify: .queueVerify
        case .queueReport: .queueReport
        case .mailboxList: .mailboxList
        case .mailboxListing: .mailboxListing
        case .mailboxRead: .mailboxRead
        }
    }

    /// True for the answers that end a request (protocols/mailwire.md: exactly one per request).
    public var isFinalAnswer: Bool {
        switch self {
        case .error, .ok, .queued, .delivered, .queueListing, .queueDetail, .queueReport, .mailboxListing: true
        default: false
        }
    }
}
