// tern-deliverd's MailWire requests: DELIVER (from tern-mtad) and the mailbox reads of
// mailctl (MAILBOX_LIST, MAILBOX_READ). Who may read which mailbox is decided on the
// kernel's SO_PEERCRED uid: a user reads only their own; root may name anyone.
import Glibc
import Logging
import MailCore
import MailWire
import Maildir
import NIOCore
import PosixFile

/// Answers MailWire requests to the local delivery agent.
public struct DeliveryRequests: Sendable {
    let settings: MaildirSettings
    let executor = BlockingExecutor()
    let directories: MaildirDirectorySync
    let logger: Logger

    public init(settings: MaildirSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.directories = MaildirDirectorySync(executor: executor)
    }

    /// Handles one request from a peer whose uid is `peerUID` (nil: unknown, refused reads).
    /// - Throws: `MailWireError` for a message that does not start a request here.
    public func handle(_ message: Message, requestID: UInt32, peer: MailWirePeer, peerUID: UInt32?) async throws {
        switch message {
        case .deliver(let request):
            guard PeerCredentials.isTernDaemon(uid: peerUID) else {
                try await peer.send(.error(Reply(550, "5.7.1", "permission denied: only the queue manager delivers")), requestID: requestID)
                return
            }
            try await deliver(request, requestID: requestID, peer: peer)
        case .mailboxList(let user):
            switch mailbox(of: user, peerUID: peerUID) {
            case .failure(let error): try await peer.send(.error(error.reply), requestID: requestID)
            case .success(let reader):
                let listing = try await executor.run { reader.summaries() }
                try await peer.send(.mailboxListing(listing), requestID: requestID)
            }
        case .mailboxRead(let user, let number):
            switch mailbox(of: user, peerUID: peerUID) {
            case .failure(let error): try await peer.send(.error(error.reply), requestID: requestID)
            case .success(let reader): try await read(reader, number: Int(number), requestID: requestID, peer: peer)
            }
        default:
            throw MailWireError.unexpected(message.type)
        }
    }

    private func deliver(_ request: DeliveryRequest, requestID: UInt32, peer: MailWirePeer) async throws {
        let delivery = try await executor.run { MaildirDelivery(request, settings: settings) }
        var received: UInt64 = 0
        do {
            while true {
                switch try await peer.expect().message {
                case .chunk(let content):
                    received += UInt64(content.readableBytes)
                    try await executor.run { delivery.append(content) }
                case .end(let total):
                    guard total == received else { throw MailWireError.malformedPayload(.end) }
                    // Each copy is fsynced and linked into new/; new/ is fsynced (shared
                    // with concurrent deliveries) before any recipient is reported delivered.
                    let unsynced = try await executor.run { delivery.place() }
                    var failures: [String: any Error] = [:]
                    for mailbox in Set(unsynced) {
                        do { try await directories.sync(mailbox: mailbox) } catch { failures[mailbox] = error }
                    }
                    let replies = delivery.replies(directoryFailures: failures)
                    for (recipient, reply) in zip(request.recipients, replies) {
                        logger.info("maildir delivery", metadata: [
                            "queue.id": "\(request.queueID)", "rcpt.to": "\(recipient)", "dsn.status": "\(reply.enhanced)",
                            "reply": "\(reply)",
                        ])
                    }
                    try await peer.send(.delivered(replies), requestID: requestID)
                    return
                case let other:
                    throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            // The content did not arrive whole: nothing is placed in new/, the queue retries.
            delivery.abandon()
            throw error
        }
    }

    private func read(_ reader: MaildirReader, number: Int, requestID: UInt32, peer: MailWirePeer) async throws {
        guard let (entry, file) = try await executor.run({ () -> (MaildirReader.Entry, SendableFile)? in
            try reader.open(number: number).map { ($0.0, SendableFile(file: $0.1)) }
        }) else {
            try await peer.send(.error(Reply(550, "5.2.0", "no message number \(number)")), requestID: requestID)
            return
        }
        var offset: UInt64 = 0
        while true {
            let start = offset
            let piece = try await executor.run { try file.read(at: start, length: Frame.maximumChunk) }
            if piece.readableBytes == 0 { break }
            offset += UInt64(piece.readableBytes)
            try await peer.send(.chunk(piece), requestID: requestID)
        }
        try await executor.run { try reader.markSeen(entry) }
        try await peer.send(.ok("\(offset) octets"), requestID: requestID)
    }

    /// The Maildir the caller may read: their own (empty `user`), or any when root.
    private func mailbox(of user: String, peerUID: UInt32?) -> Result<MaildirReader, ReplyError> {
        guard let peerUID else { return .failure(ReplyError(Reply(550, "5.7.1", "cannot identify the caller"))) }
        let callerName = UserAccounts.name(uid: peerUID)
        let wanted = user.isEmpty ? (callerName ?? "") : user
        guard peerUID == 0 || wanted == callerName else {
            return .failure(ReplyError(Reply(550, "5.7.1", "permission denied: not your mailbox")))
        }
        guard let directory = MailboxName.directory(forLocalPart: wanted) else {
            return .failure(ReplyError(Reply(550, "5.1.1", "no such mailbox")))
        }
        return .success(MaildirReader(mailbox: settings.mailRoot + "/" + directory))
    }
}

/// A readable file handed between the blocking-I/O pool's calls for one request.
final class SendableFile: @unchecked Sendable {
    private let file: ReadableFile
    init(file: ReadableFile) { self.file = file }

    /// Up to `length` octets at `offset`; empty at end of file.
    func read(at offset: UInt64, length: Int) throws(FileError) -> ByteBuffer {
        var buffer = ByteBuffer()
        var failure: FileError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
            do { return try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(length)), at: offset) } catch {
                failure = error as? FileError
                return 0
            }
        }
        if let failure { throw failure }
        return buffer
    }
}
