// tern-mtad's side of local delivery: a pooled MailWire connection to tern-deliverd per
// attempt, DELIVER + content CHUNKs + END, then one reply per recipient. If tern-deliverd
// is not there or the link breaks, every recipient gets 451 4.3.0 and the queue retries.
import Logging
import MailCore
import MailWire
import NIOCore
import Queue

/// Delivers queued messages through tern-deliverd.
public struct LocalDeliveryAgent: DeliveryAgent {
    let deliverd: MailWirePool
    let store: QueueStore
    let executor = BlockingExecutor()
    let logger: Logger

    /// - Parameter deliverd: connections to tern-deliverd's socket.
    public init(deliverd: MailWirePool, store: QueueStore, logger: Logger) {
        self.deliverd = deliverd
        self.store = store
        self.logger = logger
    }

    public func deliver(_ request: DeliveryRequest, message: StoredMessage) async -> [Reply] {
        // Until END tern-deliverd discards a request it loses, so the pool may send it
        // again on a new connection.
        await converse(request) { peer, id in
            // Read the file in pieces off the async threads; send each as a CHUNK, the
            // first with DELIVER and the last with END (a small message is one write).
            // The checksum is checked before END: a damaged file is never delivered
            // (without END, tern-deliverd discards what it got).
            var pending: [Message] = [.deliver(request)]
            var offset: UInt64 = 0
            var digest = message.prefixDigest
            while offset < message.contentLength {
                let start = offset
                let piece = try await executor.run { try store.readContent(of: message, from: start, length: Frame.maximumChunk) }
                offset += UInt64(piece.readableBytes)
                piece.withUnsafeReadableBytes { digest.update($0) }
                if case .chunk = pending.last {
                    try await peer.send(pending, requestID: id)
                    pending = []
                }
                pending.append(.chunk(piece))
            }
            guard digest.value == message.checksum else { throw QueueFile.FormatError.checksumMismatch }
            try await peer.send(pending + [.end(message.contentLength)], requestID: id)
        }
    }

    /// Delivers content held in memory, in one write of DELIVER, CHUNKs and END: a message
    /// not queued yet (tern-mtad's direct local delivery).
    /// - Returns: one reply per recipient of `request`, in order.
    public func deliver(_ request: DeliveryRequest, content: ByteBuffer) async -> [Reply] {
        await converse(request) { peer, id in
            try await peer.send([.deliver(request)] + Message.chunks(of: content) + [.end(UInt64(content.readableBytes))], requestID: id)
        }
    }

    /// One DELIVER request on a pooled connection: `send` sends it through END, then the
    /// answer is one reply per recipient (an ERROR answers for all). No answer (tern-deliverd
    /// not there, the link broken, the task cancelled) is 451 4.3.0 for every recipient.
    private func converse(_ request: DeliveryRequest, send: (MailWirePeer, UInt32) async throws -> Void) async -> [Reply] {
        do {
            return try await deliverd.withConnection { peer in
                let id = peer.nextRequestID()
                try await send(peer, id)
                switch try await peer.expect().message {
                case .delivered(let replies) where replies.count == request.recipients.count:
                    return replies
                case .error(let reply):
                    return Array(repeating: reply, count: request.recipients.count)
                case let other:
                    throw MailWireError.unexpected(other.type)
                }
            }
        } catch {
            logger.warning("local delivery agent unavailable", metadata: ["queue.id": "\(request.queueID)", "error": "\(error)"])
            return Array(repeating: Reply(451, "4.3.0", "local delivery unavailable: \(error)"), count: request.recipients.count)
        }
    }
}
